"""Imports: upload a bank registry, a billing charges file or the water utility's readings; preview, then commit."""

import streamlit as st

from core import imports
from core.errors import DomainError
from ui import staff_data, staff_view as view
from ui.plain import md
from ui.resources import sessions
from ui.staff_access import require_role

user = require_role("imports")
st.title("Імпорт файлів")

KINDS = {"bank": "Реєстр оплат банку", "charges": "Нарахування з білінгу", "readings": "Показання від водоканалу"}
kind = st.segmented_control("Що імпортуємо", list(KINDS), default="bank", format_func=KINDS.get) or "bank"
st.caption("CSV у кодуванні UTF-8 (з BOM чи без) або Windows-1251, роздільник «;» чи «,», десяткова кома чи крапка. "
           "Формат стовпців — у README, зразки — у data/samples/. Повторний імпорт того самого файлу нічого не додає.")
upload = st.file_uploader("Файл CSV", type=["csv", "txt"], key=f"upload_{kind}")
if upload is None:
    st.stop()
data = upload.getvalue()

try:
    result = imports.preview(sessions(), kind, upload.name, data)
except DomainError as error:
    st.error(error.message("uk"))
    st.stop()

st.subheader("Попередній перегляд")
st.caption(f"Кодування {md(result.encoding)}, роздільник «{md(result.delimiter)}», рядків даних: {result.rows_total}.")
if result.imported_before:
    st.warning(f"Цей самий файл уже імпортовано {view.moment(result.imported_before)}.")
c1, c2, c3 = st.columns(3)
c1.metric("Буде додано", view.number(result.rows_added))
c2.metric("Дублікати (пропущено)", view.number(len(result.duplicates)))
c3.metric("Відхилено", view.number(len(result.rejected)))
if result.rejected:
    st.dataframe([{"Рядок": r.line, "Причина": r.message("uk")} for r in result.rejected], hide_index=True)
if result.duplicates:
    st.caption("Рядки-дублікати: " + ", ".join(str(n) for n in result.duplicates[:100])
               + (" …" if len(result.duplicates) > 100 else ""))
if result.to_add:
    with st.expander(f"Рядки до додавання (перші {min(50, result.rows_added)})"):
        st.dataframe([{k: view.number(v, 3) if k in ("value", "volume", "consumption") else v
                       for k, v in row.items()} for row in result.to_add[:50]], hide_index=True)

with st.form("commit_import"):
    st.write(f"Імпортувати файл «{md(upload.name)}»: додати {view.number(result.rows_added)} рядків.")
    go = st.form_submit_button("Імпортувати", type="primary", disabled=result.rows_added == 0)
if go:
    try:
        done = imports.commit(sessions(), kind, upload.name, data, actor=user.username)
    except DomainError as error:
        st.error(error.message("uk"))
    else:
        staff_data.clear()
        st.success(f"Імпортовано: додано {view.number(done.rows_added)}, дублікатів {len(done.duplicates)}, "
                   f"відхилено {len(done.rejected)} (пакет № {done.batch_id}).")

st.subheader("Останні імпорти")
batches = imports.recent_batches(sessions())
if not batches:
    st.caption("Імпортів ще не було.")
    st.stop()
st.dataframe([{"№": b.id, "Тип": KINDS.get(b.kind, b.kind), "Файл": b.filename, "Коли": view.moment(b.created_at),
               "Хто": b.created_by, "Рядків": b.rows_total, "Додано": b.rows_added, "Дублікатів": b.rows_duplicate,
               "Відхилено": b.rows_rejected} for b in batches], hide_index=True)
