"""Accounts needing additional charges for a closed window, readings flagged for review, the billing file."""

from decimal import Decimal

import streamlit as st

from core import additional_charges, clock
from core.additional_charges import process_window
from core.errors import DomainError
from ui import staff_data, staff_view as view
from ui.plain import chart_text
from ui.resources import sessions
from ui.staff_access import can, require_role

user = require_role("additional_charges")
st.title("Донарахування")
if "processed_message" in st.session_state:
    st.success(st.session_state.pop("processed_message"))
st.caption("Рахунки з лічильником без прийнятого показання в закритому періоді: до 3 місяців поспіль — за середнім "
           "добовим споживанням за 12 місяців, далі або без історії — за нормою на мешканця (ПКМУ 690, 1182).")

now = clock.now()
closed = [w for w in staff_data.reading_windows() if w.closes_at <= now]
if not closed:
    st.info("Ще немає закритих періодів подачі.")
    st.stop()
window = st.selectbox("Закритий період подачі", closed, format_func=lambda w: f"{view.month_label(w.period)}: "
                      f"{view.date(w.first_day)} — {view.date(w.last_day)}"
                      + (" · оброблено" if w.processed_at else " · не оброблено"))
lines = staff_data.additional_charge_list(window.id)
recalculations = staff_data.recalculation_list(window.id)
flagged = staff_data.flagged_readings(window.id)

volume = sum((line.volume for line in lines), Decimal(0))
amount = sum((line.amount for line in lines), Decimal(0))
c1, c2, c3, c4 = st.columns(4)
c1.metric("Рахунків без показань", view.number(len(lines)))
c2.metric("Оцінений обсяг", view.number(volume, 3) + " м³")
c3.metric("Сума донарахувань", view.money(amount))
c4.metric("Показань на перевірці", view.number(len(flagged)))

table = additional_charges.count_by_street_and_reason(lines, flagged)
if table:
    streets = list(table)[:20]
    fig = view.figure("Рахунки за причиною і вулицею", "Рахунків", "", height=max(320, 28 * len(streets) + 120))
    for reason in [r for r in ("average", "norm", "flagged") if any(table[s].get(r) for s in streets)]:
        fig.add_bar(y=[chart_text(s) for s in streets], x=[table[s].get(reason, 0) for s in streets],
                    name=view.RULE_NAMES[reason], orientation="h")
    fig.update_layout(barmode="stack", hovermode="y unified")
    fig.update_yaxes(autorange="reversed", type="category", tickformat=None)
    fig.update_xaxes(type="linear", tickformat=",")
    fig.update_layout(legend={"traceorder": "normal"})
    view.show(fig, key="by_street")
    if len(table) > len(streets):
        st.caption(f"Показано 20 вулиць з найбільшою кількістю рахунків із {len(table)}.")

st.subheader("Рахунки без показань")
if lines:
    st.dataframe(
        [{"Рахунок": line.account_number, "Адреса": line.address, "Лічильник": line.meter_serial, "Мешканців": line.residents,
          "Місяців без показань": "ніколи" if line.months_without is None else line.months_without,
          "Правило": view.RULE_NAMES[line.rule], "Обсяг, м³": view.number(line.volume, 3), "Тариф": view.number(line.tariff, 2),
          "Сума": view.money(line.amount)} for line in lines],
        hide_index=True,
    )
else:
    st.success("У цьому періоді всі рахунки з лічильником подали показання.")

st.subheader("Перерахунки після фактичних показань")
st.caption("Фактичне споживання від останнього фактичного показання порівнюється з донарахованим за оцінкою: "
           "надлишок донараховується, різниця на користь споживача повертається (від'ємний рядок у файлі).")
if recalculations:
    st.dataframe(
        [{"Рахунок": r.account_number, "Адреса": r.address, "Лічильник": r.meter_serial,
          "Період показання": view.month_label(r.period),
          "Вид": "Сторно" if r.kind == "reversal" else "Перерахунок",
          "Якість показання": view.QUALITY_NAMES.get(r.quality, r.quality),
          "Донараховано раніше, м³": view.number(r.estimated_volume, 3),
          "Фактично, м³": view.number(r.actual_volume, 3), "Різниця, м³": view.number(r.volume, 3),
          "Сума": view.money(r.amount)} for r in recalculations],
        hide_index=True,
    )
else:
    st.write("Немає показань, що надійшли після донарахувань.")
if lines or recalculations:
    st.download_button(
        "Завантажити для білінгу (CSV)", additional_charges.billing_csv([*lines, *recalculations], window.period),
        file_name=f"donarakhuvannia_{window.period:%Y-%m}.csv", mime="text/csv", icon=":material/download:",
    )

st.subheader("Показання на перевірці")
if flagged:
    st.dataframe(
        [{"Рахунок": f.account_number, "Адреса": f.address, "Лічильник": f.meter_serial,
          "Показання, м³": view.number(f.value, 3), "Споживання, м³": view.number(f.consumption, 3),
          "Подано": view.moment(f.submitted_at), "Канал": view.READING_CHANNEL_NAMES.get(f.channel, f.channel),
          "Причина": view.flag_reason(f.reason)} for f in flagged],
        hide_index=True,
    )
else:
    st.write("Немає показань, позначених для перевірки.")

st.subheader("Обробка періоду")
if window.processed_at:
    st.info(f"Період оброблено {view.moment(window.processed_at)}: донарахування збережено.")
elif not can(user.role, "additional_charges.process"):
    st.caption("Позначити період обробленим може керівник або адміністратор.")
else:
    with st.form("process_window"):
        st.write(f"Зберегти {view.number(len(lines))} донарахувань на {view.money(amount)}"
                 + (f" і {view.number(len(recalculations))} перерахунків" if recalculations else "")
                 + f" і позначити період {view.month_label(window.period)} обробленим. Дію записується в журнал.")
        sure = st.checkbox("Я перевірив(-ла) список")
        if st.form_submit_button("Позначити період обробленим", type="primary"):
            if not sure:
                st.error("Підтвердьте, що список перевірено.")
            else:
                try:
                    stored = process_window(sessions(), window.id, actor=user.username)
                except DomainError as error:
                    st.error(error.message("uk"))
                else:
                    staff_data.clear()
                    st.session_state["processed_message"] = (
                        f"Період оброблено: збережено {view.number(stored)} донарахувань.")
                    st.rerun()
