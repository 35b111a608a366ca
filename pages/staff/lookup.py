"""Account look-up by number or address: balances, charges, payments, readings, cabinet logins, audit trail."""

import streamlit as st

from core.errors import DomainError
from core.readings import correct_reading
from ui import staff_data, staff_view as view
from ui.plain import md
from ui.resources import sessions
from ui.staff_access import can, require_role

user = require_role("lookup")
st.title("Пошук рахунку")
if "lookup_message" in st.session_state:
    st.success(st.session_state.pop("lookup_message"))

with st.form("lookup"):
    query = st.text_input("Номер особового рахунку або адреса", placeholder="1120200001000 або Гулака 20")
    st.form_submit_button("Знайти", type="primary")
if not query.strip():
    st.stop()
hits = staff_data.find_accounts(query)
if not hits:
    st.warning("Нічого не знайдено. Введіть щонайменше 4 цифри номера або слово з адреси.")
    st.stop()
hit = st.selectbox(f"Знайдено: {len(hits)}" + (" (показано перші 50)" if len(hits) >= 50 else ""), hits,
                   format_func=lambda h: f"{h.number} · {h.address}")
try:
    card = staff_data.account_card(hit.account_id)
except DomainError as error:
    st.error(error.message("uk"))
    st.stop()
statement = card.statement

st.subheader(f"{md(statement.number)} · {md(statement.address)}")
if card.closed_on is not None:
    st.warning(f"Рахунок закрито {view.date(card.closed_on)}: історія збережена, нові показання й донарахування — ні.")
st.caption(f"Площа {view.number(statement.heated_area, 2)} м² · мешканців: {statement.residents} · "
           f"лічильники: {md(', '.join(card.meters)) or 'немає'}")
columns = st.columns(max(1, len(statement.services)))
for column, service in zip(columns, statement.services):
    label = "Борг" if service.balance > 0 else "Переплата" if service.balance < 0 else "Сальдо"
    column.metric(f"{view.SERVICE_NAMES.get(service.service, service.service)}: {label.lower()}",
                  view.money(abs(service.balance)),
                  help=f"Нараховано {view.money(service.charged)}, сплачено {view.money(service.paid)}")

CORRECTIONS = {"reversed": "виправлено (конфлікт імпорту)", "reversal": "сторно", "replacement": "виправлений запис"}
charges, payments, readings, logins, audit = st.tabs(
    ["Нарахування", "Оплати", "Показання", "Кабінет", "Журнал дій"])
with charges:
    st.dataframe([{"Місяць": view.month_label(c.month), "Послуга": view.SERVICE_NAMES.get(c.service, c.service),
                   "Обсяг": view.number(c.volume, 3), "Тариф": view.number(c.tariff, 2),
                   "Нараховано": view.money(c.amount),
                   "Знижка": view.percent(c.discount_percent) if c.discount_percent else "",
                   "До сплати": view.money(c.amount_to_pay),
                   "Примітка": CORRECTIONS.get(c.correction, "")} for c in statement.charges], hide_index=True)
with payments:
    st.dataframe([{"Дата": view.moment(p.paid_at), "Послуга": view.SERVICE_NAMES.get(p.service, p.service),
                   "Сума": view.money(p.amount), "Канал": view.PAYMENT_CHANNEL_NAMES.get(p.channel, p.channel),
                   "Примітка": CORRECTIONS.get(p.correction, "")}
                  for p in statement.payments], hide_index=True)
    if statement.pending:
        st.caption(f"Очікують підтвердження банку: {len(statement.pending)}")
with readings:
    st.dataframe([{"Період": view.month_label(r.period) if r.period else "", "Лічильник": r.meter_serial,
                   "Показання, м³": view.number(r.value, 3), "Споживання, м³": view.number(r.consumption, 3),
                   "Дата показання": view.moment(r.submitted_at),
                   "Канал": view.READING_CHANNEL_NAMES.get(r.channel, r.channel),
                   "Якість": view.QUALITY_NAMES.get(r.quality, r.quality),
                   "Статус": view.STATUS_NAMES.get(r.status, r.status),
                   "На перевірці": view.flag_reason(r.flag_reason) or ("так" if r.flagged else "")} for r in card.readings],
                 hide_index=True)
    if card.estimates:
        st.caption("Донарахування за оцінкою (якість: оцінка)")
        st.dataframe([{"Період": view.month_label(e.period), "Лічильник": e.meter_serial,
                       "Правило": view.RULE_NAMES.get(e.rule, e.rule), "Обсяг, м³": view.number(e.volume, 3),
                       "Сума": view.money(e.amount)} for e in card.estimates], hide_index=True)
    if statement.recalculations:
        st.caption("Перерахунки після фактичних показань")
        st.dataframe([{"Період показання": view.month_label(r.period),
                       "Вид": "Сторно" if r.kind == "reversal" else "Перерахунок",
                       "Донараховано раніше, м³": view.number(r.estimated_volume, 3),
                       "Фактично, м³": view.number(r.actual_volume, 3), "Різниця, м³": view.number(r.volume, 3),
                       "Сума": view.money(r.amount)} for r in statement.recalculations], hide_index=True)
    standing = [r for r in card.readings if r.status == "accepted" and r.period]
    if standing and can(user.role, "readings.correct"):
        with st.form("correct_reading"):
            st.write("Виправити чинне показання: нове показання з тією самою датою стане чинним, а попереднє "
                     "залишиться в історії як замінене. Дію записується в журнал.")
            target = st.selectbox("Показання", standing, format_func=lambda r: (
                f"{view.month_label(r.period)} · {r.meter_serial} · {view.number(r.value, 3)} м³ · "
                f"{view.moment(r.submitted_at)}"))
            value = st.text_input("Правильне показання, м³", placeholder="123,456")
            reason = st.text_input("Причина виправлення")
            if st.form_submit_button("Виправити показання"):
                try:
                    fixed = correct_reading(sessions(), target.reading_id, value, reason, actor=user.username)
                except DomainError as error:
                    st.error(error.message("uk"))
                else:
                    staff_data.clear()
                    st.session_state["lookup_message"] = (
                        f"Показання виправлено: {view.number(fixed.value, 3)} м³ "
                        f"(замість {view.number(fixed.replaced, 3)} м³), квитанція {fixed.receipt_number}.")
                    st.rerun()
with logins:
    if card.logins:
        st.dataframe([{"Логін": link.login, "Спосіб": link.method, "Додано": view.moment(link.linked_at),
                       "Останній вхід": view.moment(link.last_login_at)} for link in card.logins], hide_index=True)
    else:
        st.write("Рахунок ще не додано до кабінету споживача.")
with audit:
    st.dataframe([{"Час": view.moment(a.at), "Хто": f"{a.actor} ({a.actor_type})", "Дія": a.action,
                   "Об'єкт": f"{a.entity} {a.entity_id or ''}", "Деталі": a.details or ""} for a in card.audit],
                 hide_index=True)
