"""Imports: upload a bank registry, a billing charges file or the water utility's readings; preview, then commit."""

import streamlit as st

from core import imports
from core.errors import DomainError
from ui import conflict_view, staff_data, staff_view as view
from ui.resources import sessions
from ui.staff_access import require_role

user = require_role("imports")
st.title("Імпорт файлів")

KINDS = {"bank": "Реєстр оплат банку", "charges": "Нарахування з білінгу", "readings": "Показання від водоканалу"}
kind = st.segmented_control("Що імпортуємо", list(KINDS), default="bank", format_func=KINDS.get) or "bank"
st.caption("CSV у кодуванні UTF-8 (з BOM чи без) або Windows-1251, роздільник «;» чи «,», десяткова кома чи крапка. "
           "Формат стовпців — у README, зразки — у data/samples/. Повторний імпорт того самого файлу нічого не додає; "
           "рядок, що розходиться зі збереженим, стає конфліктом для розгляду.")
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
st.caption(f"Кодування {result.encoding}, роздільник «{result.delimiter}».")
total = view.number(result.file_total, 3) + " м³" if kind == "readings" else view.money(result.file_total)
st.write(f"У файлі рядків даних: **{view.number(result.rows_total)}**, на суму **{total}** — звірте з "
         "випискою банку чи супровідним листом відправника.")
if result.trailer is not None:
    places = 3 if kind == "readings" else 2
    claimed = "" if result.trailer.total is None else f" на суму {view.number(result.trailer.total, places)}"
    st.success(f"Контрольний рядок {result.trailer.line} ({view.number(result.trailer.rows)} рядків{claimed}) "
               "збігається з файлом.")
if result.imported_before:
    st.warning(f"Цей самий файл уже імпортовано {view.moment(result.imported_before)}.")
if result.truncated:
    st.error("Останній рядок файлу не має кінця рядка: файл, схоже, обрізано, і значення в цьому рядку можуть "
             "бути неповними (наприклад, 15 замість 1500). Цей рядок не буде імпортовано. Попросіть у відправника "
             "повний файл і завантажте його; якщо файл повний, додайте в кінці порожній рядок. Решту рядків "
             "можна імпортувати вже зараз — повторний імпорт повного файлу додасть лише відсутній рядок.")
c1, c2, c3, c4 = st.columns(4)
c1.metric("Буде додано", view.number(result.rows_added))
c2.metric("Дублікати (пропущено)", view.number(len(result.duplicates)))
c3.metric("Конфлікти", view.number(len(result.conflicts)))
c4.metric("Відхилено", view.number(len(result.rejected)))
if result.rejected:
    st.dataframe([{"Рядок": r.line, "Причина": r.message("uk")} for r in result.rejected], hide_index=True)
if result.conflicts:
    st.warning("Конфлікти: запис із таким самим ключем уже збережено з іншими значеннями. Їх не пропущено і не "
               "змінено: після імпорту вони чекають рішення на сторінці «Конфлікти імпорту».")
    st.dataframe([conflict_view.row(c) for c in result.conflicts], hide_index=True)
if result.duplicates:
    st.caption("Рядки-дублікати: " + ", ".join(str(n) for n in result.duplicates[:100])
               + (" …" if len(result.duplicates) > 100 else ""))
if result.to_add:
    with st.expander(f"Рядки до додавання (перші {min(50, result.rows_added)})"):
        st.dataframe([{k: view.number(v, 3) if k in ("value", "volume", "consumption") else v
                       for k, v in row.items()} for row in result.to_add[:50]], hide_index=True)

with st.form("commit_import"):
    st.write(f"Імпортувати файл «{upload.name}»: додати {view.number(result.rows_added)} рядків.")
    go = st.form_submit_button("Імпортувати", type="primary",
                               disabled=result.rows_added == 0 and not result.conflicts)
if go:
    try:
        done = imports.commit(sessions(), kind, upload.name, data, actor=user.username)
    except DomainError as error:
        st.error(error.message("uk"))
    else:
        staff_data.clear()
        st.success(f"Імпортовано: додано {view.number(done.rows_added)}, дублікатів {len(done.duplicates)}, "
                   f"відхилено {len(done.rejected)}, конфліктів {len(done.conflicts)} (пакет № {done.batch_id}).")
        if done.conflicts:
            st.page_link("pages/staff/conflicts.py", label="Розглянути конфлікти", icon=":material/rule_settings:")

st.subheader("Останні імпорти")
batches = imports.recent_batches(sessions())
if not batches:
    st.caption("Імпортів ще не було.")
    st.stop()
st.dataframe([{"№": b.id, "Тип": KINDS.get(b.kind, b.kind), "Файл": b.filename, "Коли": view.moment(b.created_at),
               "Хто": b.created_by, "Рядків": b.rows_total, "Додано": b.rows_added, "Дублікатів": b.rows_duplicate,
               "Конфліктів": b.rows_conflict, "Відхилено": b.rows_rejected} for b in batches], hide_index=True)
