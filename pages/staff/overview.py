"""Overview: this window's submission rate, this month's collection, total debt, accounts in the cabinet."""

import streamlit as st

from core.clock import add_months
from core.formatting import half_up
from ui import staff_data, staff_view as view
from ui.staff_access import require_role

require_role("overview")
st.title("Огляд")

data = staff_data.overview()
window = data.window
state = "відкритий" if data.window_open else "закритий"

cols = st.columns(4)
if window is None:
    cols[0].metric("Подали показання", "—", help="Періодів подачі ще немає.")
else:
    cols[0].metric(
        "Подали показання", view.percent(data.submission_rate),
        delta=view.delta(data.submission_rate, data.previous_submission_rate, " п.п."),
        help=(f"Період подачі за {view.month_name(window.period)} ({state}): {view.number(data.submitted)} з "
              f"{view.number(data.metered)} рахунків з лічильником. "
              "Порівняння: попередній період на той самий день від відкриття."),
    )
cols[1].metric(
    f"Зібрано оплат · {view.month_name(data.month)}", view.percent(data.collection_rate),
    delta=view.delta(data.collection_rate, data.previous_collection_rate, " п.п."),
    help=(f"Надійшло {view.money(data.paid)} проти {view.money(data.charged)} до сплати за "
          f"{view.month_name(data.billed_month)}. Порівняння: попередній місяць на той самий день."),
)
cols[2].metric(
    "Загальний борг", view.money(data.debt),
    delta=view.delta(data.debt, data.previous_debt, " ₴", places=0), delta_color="inverse",
    help="Сума позитивних сальдо за рахунками і послугами. Порівняння: місяць тому.",
)
cols[3].metric(
    "Рахунків у кабінеті", view.number(data.registered),
    delta=view.delta(data.registered, data.previous_registered, "", places=0),
    help="Рахунки, додані споживачами до кабінету. Порівняння: місяць тому.",
)
if window is not None:
    st.caption(f"Період подачі за {view.month_name(window.period)}: {view.date(window.first_day)} — "
               f"{view.date(window.last_day)} ({state}). Дані на {view.moment(data.now)}.")

left, right = st.columns(2)
with left:
    months = staff_data.payments_against_charges(add_months(data.month, -11), data.month)
    view.show(view.paid_against_due(months, "Оплати проти рахунків до сплати, за місяцями",
                                    "До сплати (рахунок попер. місяця)"), key="overview_collection")
with right:
    if window is not None:
        per_window = staff_data.readings_per_window(add_months(window.period, -11), window.period, None)
        fig = view.figure("Частка рахунків з лічильником, що подали показання", "Період подачі", "Подали, %")
        fig.add_bar(x=[view.month_label(w.period) for w in per_window],
                    y=[float(w.share or 0) for w in per_window], name="Подали, %",
                    text=[view.percent(half_up(w.share, 0) if w.share is not None else None) for w in per_window], textposition="outside",
                    textfont={"size": 11}, cliponaxis=False,
                    marker_color=[view.COLORS[0]] * (len(per_window) - 1) + [view.COLORS[4] if data.window_open else view.COLORS[0]])
        fig.update_yaxes(range=[0, 100], ticksuffix=" %")
        fig.update_layout(showlegend=False, uniformtext={"minsize": 10, "mode": "show"})
        view.show(fig, key="overview_share")
        if data.window_open:
            st.caption("Світлий стовпчик — відкритий період: показання ще надходять, більшість — в останні дні.")
