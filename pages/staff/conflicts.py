"""Import conflicts: rows whose key is stored with other values; an operator or admin resolves or dismisses each."""

import streamlit as st

from core import conflict_resolution, import_conflicts
from core.errors import DomainError
from ui import conflict_view, staff_data, staff_view as view
from ui.resources import sessions
from ui.staff_access import require_role

user = require_role("conflicts")
st.title("Конфлікти імпорту")
st.caption("Рядок файлу, чий ключ (номер платежу; рахунок + послуга + місяць; номер запису водоканалу) уже "
           "збережено з іншими значеннями. Такий рядок не пропущено і нічого не змінено. «Виправити за файлом» "
           "додає сторнувальний запис до збереженого і новий, виправлений (гроші не змінюються на місці, "
           "початковий запис лишається видимим); «Відхилити» лишає збережене, з поясненням. Обидві дії — в журналі.")

if done := st.session_state.pop("conflict_done", None):
    st.success(done)

STATUSES = {"open": "Відкриті", "resolved": "Розв'язані", "dismissed": "Відхилені"}
status = st.segmented_control("Показати", list(STATUSES), default="open", format_func=lambda s: STATUSES[s]) or "open"
conflicts = import_conflicts.list_conflicts(sessions(), status=status)
if not conflicts:
    st.success("Відкритих конфліктів немає." if status == "open" else "Таких конфліктів немає.")
    st.stop()

table = []
for c in conflicts:
    entry = {"№": c.id, **conflict_view.row(c), "Рахунок": c.account_number or "", "Файл": c.filename,
             "Виявлено": view.moment(c.created_at)}
    if status != "open":
        entry |= {"Хто": c.resolved_by or "", "Коли": view.moment(c.resolved_at), "Пояснення": c.note or ""}
    table.append(entry)
st.dataframe(table, hide_index=True)
if status != "open":
    st.stop()

st.subheader("Рішення")
chosen = st.selectbox("Конфлікт", conflicts, format_func=lambda c: f"№ {c.id} · {conflict_view.KIND_NAMES[c.kind]} · "
                      f"{c.key}")
st.write("Збережено → у файлі:")
st.dataframe([{"Поле": conflict_view.FIELD_NAMES.get(name, name),
               "Збережено": conflict_view.shown(name, chosen.stored.get(name, "")),
               "У файлі": conflict_view.shown(name, value)} for name, value in chosen.incoming.items()],
             hide_index=True)
fix, drop = st.columns(2)
with fix.form("resolve_conflict"):
    st.caption("Сторно збереженого запису й новий запис зі значеннями файлу.")
    confirmed = st.checkbox("Значення у файлі правильні")
    resolve = st.form_submit_button("Виправити за файлом", type="primary")
with drop.form("dismiss_conflict"):
    note = st.text_input("Чому збережене правильне", max_chars=500)
    dismiss = st.form_submit_button("Відхилити")

try:
    if resolve:
        if not confirmed:
            st.error("Підтвердіть, що значення у файлі правильні.")
        else:
            conflict_resolution.resolve(sessions(), chosen.id, actor=user.username)
            staff_data.clear()
            st.session_state["conflict_done"] = f"Конфлікт № {chosen.id} розв'язано: додано сторно і виправлений запис."
            st.rerun()
    elif dismiss:
        conflict_resolution.dismiss(sessions(), chosen.id, actor=user.username, note=note)
        st.session_state["conflict_done"] = f"Конфлікт № {chosen.id} відхилено."
        st.rerun()
except DomainError as error:
    st.error(error.message("uk"))
