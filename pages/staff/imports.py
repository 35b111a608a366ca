"""Imports: upload a bank registry, a billing charges file or the water utility's readings, or the register
(accounts, meters, tariffs and norms); preview, then commit."""

import streamlit as st

from core import imports, register_import, register_parsing
from core.errors import DomainError
from ui import conflict_view, staff_data, staff_view as view
from ui.plain import md
from ui.resources import sessions
from ui.staff_access import require_role

user = require_role("imports")
st.title("Імпорт файлів")

KINDS = {"bank": "Реєстр оплат банку", "charges": "Нарахування з білінгу", "readings": "Показання від водоканалу",
         "accounts": "Рахунки (реєстр)", "meters": "Лічильники", "tariffs": "Тарифи й норми"}
kind = st.segmented_control("Що імпортуємо", list(KINDS), default="bank", format_func=lambda k: KINDS[k]) or "bank"
register = kind in register_parsing.KINDS
st.caption("CSV у кодуванні UTF-8 (з BOM чи без) або Windows-1251, роздільник «;» чи «,», десяткова кома чи крапка. "
           "Формат стовпців — у README, зразки — у data/samples/. Повторний імпорт того самого файлу нічого не додає"
           + ("." if register else "; рядок, що розходиться зі збереженим, стає конфліктом для розгляду."))
if register:
    st.caption("Реєстр завантажують у такому порядку: рахунки → лічильники → тарифи й норми → нарахування → оплати. "
               "Рядок, що збігається із збереженим, — «без змін»; зміни адреси, мешканців, лічильників і закриття "
               "рахунку записуються в журнал аудиту. Закритий рахунок зберігає всю історію.")
upload = st.file_uploader("Файл CSV", type=["csv", "txt"], key=f"upload_{kind}")
if upload is None:
    st.stop()
data = upload.getvalue()
module = register_import if register else imports

try:
    result = module.preview(sessions(), kind, upload.name, data)
except DomainError as error:
    st.error(error.message("uk"))
    st.stop()

st.subheader("Попередній перегляд")
if register:
    st.caption(f"Кодування {md(result.encoding)}, роздільник «{md(result.delimiter)}», рядків даних: {result.rows_total}.")
else:
    st.caption(f"Кодування {md(result.encoding)}, роздільник «{md(result.delimiter)}».")
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
if not register and result.truncated:
    st.error("Останній рядок файлу не має кінця рядка: файл, схоже, обрізано, і значення в цьому рядку можуть "
             "бути неповними (наприклад, 15 замість 1500). Цей рядок не буде імпортовано. Попросіть у відправника "
             "повний файл і завантажте його; якщо файл повний, додайте в кінці порожній рядок. Решту рядків "
             "можна імпортувати вже зараз — повторний імпорт повного файлу додасть лише відсутній рядок.")
c1, c2, c3, c4 = st.columns(4)
c1.metric("Буде додано", view.number(result.rows_added))
if register:
    c2.metric("Буде змінено", view.number(result.rows_changed))
    c3.metric("Без змін", view.number(len(result.unchanged)))
else:
    c2.metric("Дублікати (пропущено)", view.number(len(result.duplicates)))
    c3.metric("Конфлікти", view.number(len(result.conflicts)))
c4.metric("Відхилено", view.number(len(result.rejected)))
if result.rejected:
    st.dataframe([{"Рядок": r.line, "Причина": r.message("uk")} for r in result.rejected], hide_index=True)
if register and result.changes:
    st.dataframe([{"Рядок": c["line"], "Запис": c["key"], "Зміни": register_import.describe_change(c["fields"])}
                  for c in result.changes[:500]], hide_index=True)
if not register and result.conflicts:
    st.warning("Конфлікти: запис із таким самим ключем уже збережено з іншими значеннями. Їх не пропущено і не "
               "змінено: після імпорту вони чекають рішення на сторінці «Конфлікти імпорту».")
    st.dataframe([conflict_view.row(c) for c in result.conflicts], hide_index=True)
if not register and result.duplicates:
    st.caption("Рядки-дублікати: " + ", ".join(str(n) for n in result.duplicates[:100])
               + (" …" if len(result.duplicates) > 100 else ""))
if result.to_add:
    with st.expander(f"Рядки до додавання (перші {min(50, result.rows_added)})"):
        st.dataframe([{k: view.number(v, 3) if k in ("value", "volume", "consumption") else v
                       for k, v in row.items()} for row in result.to_add[:50]], hide_index=True)

changing = result.rows_added + (result.rows_changed if register else len(result.conflicts))
with st.form("commit_import"):
    if register:
        st.write(f"Імпортувати файл «{md(upload.name)}»: нових рядків — {view.number(result.rows_added)}, "
                 f"змінених — {view.number(result.rows_changed)}.")
    else:
        st.write(f"Імпортувати файл «{md(upload.name)}»: додати {view.number(result.rows_added)} рядків.")
    go = st.form_submit_button("Імпортувати", type="primary", disabled=changing == 0)
if go:
    try:
        done = module.commit(sessions(), kind, upload.name, data, actor=user.username)
    except DomainError as error:
        st.error(error.message("uk"))
    else:
        staff_data.clear()
        if register:
            st.success(f"Імпортовано: додано {view.number(done.rows_added)}, змінено {view.number(done.rows_changed)}, "
                       f"без змін {len(done.unchanged)}, відхилено {len(done.rejected)} (пакет № {done.batch_id}).")
        else:
            st.success(f"Імпортовано: додано {view.number(done.rows_added)}, дублікатів {len(done.duplicates)}, "
                       f"відхилено {len(done.rejected)}, конфліктів {len(done.conflicts)} (пакет № {done.batch_id}).")
            if done.conflicts:
                st.page_link("pages/staff/conflicts.py", label="Розглянути конфлікти", icon=":material/rule_settings:")

st.subheader("Останні імпорти")
batches = imports.recent_batches(sessions())
if not batches:
    st.caption("Імпортів ще не було.")
    st.stop()
changed = register_import.changed_rows(sessions(), [b.id for b in batches])
st.dataframe([{"№": b.id, "Тип": KINDS.get(b.kind, b.kind), "Файл": b.filename, "Коли": view.moment(b.created_at),
               "Хто": b.created_by, "Рядків": b.rows_total, "Додано": b.rows_added, "Змінено": changed.get(b.id, 0),
               "Дублікатів / без змін": b.rows_duplicate, "Конфліктів": b.rows_conflict,
               "Відхилено": b.rows_rejected} for b in batches], hide_index=True)
