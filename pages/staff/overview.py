"""Overview: this window's submission rate, this month's collection, total debt, accounts in the cabinet."""

import streamlit as st

from core.clock import add_months
from core.formatting import half_up
from ui import staff_data
from ui import staff_view as view
from ui.staff_access import require_role
from ui.staff_text import tr

require_role("overview")
st.title(tr("staff.page.overview"))

data = staff_data.overview()
window = data.window
state = tr("staff.overview.open") if data.window_open else tr("staff.overview.closed")
window_month = view.month_name(window.period) if window else ""

cols = st.columns(4)
if window is None:
    cols[0].metric(tr("staff.overview.submitted"), "—", help=tr("staff.overview.no_windows"))
else:
    cols[0].metric(
        tr("staff.overview.submitted"),
        view.percent(data.submission_rate),
        delta=view.delta(data.submission_rate, data.previous_submission_rate, tr("staff.points")),
        help=tr(
            "staff.overview.submitted_help",
            month=window_month,
            state=state,
            submitted=view.number(data.submitted),
            metered=view.number(data.metered),
        ),
    )
cols[1].metric(
    tr("staff.overview.collected", month=view.month_name(data.month)),
    view.percent(data.collection_rate),
    delta=view.delta(data.collection_rate, data.previous_collection_rate, tr("staff.points")),
    help=tr(
        "staff.overview.collected_help",
        paid=view.money(data.paid),
        charged=view.money(data.charged),
        month=view.month_name(data.billed_month),
    ),
)
cols[2].metric(
    tr("staff.overview.debt"),
    view.money_short(data.debt),
    delta=view.delta(data.debt, data.previous_debt, " ₴", places=0),
    delta_color="inverse",
    help=tr("staff.overview.debt_help_exact", amount=view.money(data.debt), day=view.date(data.previous_debt_day))
    + (
        tr("staff.overview.debt_help_previous", amount=view.money(data.previous_debt))
        if data.previous_debt is not None
        else "."
    ),
)
if view.shortened(data.debt):
    cols[2].caption(tr("staff.exactly", amount=view.money(data.debt)))
cols[3].metric(
    tr("staff.overview.registered"),
    view.number(data.registered),
    delta=view.delta(data.registered, data.previous_registered, "", places=0),
    help=tr("staff.overview.registered_help"),
)
if window is not None:
    st.caption(
        tr(
            "staff.overview.window_caption",
            month=window_month,
            first=view.date(window.first_day),
            last=view.date(window.last_day),
            state=state,
            now=view.moment(data.now),
        )
    )

left, right = st.columns(2)
with left:
    months = staff_data.payments_against_charges(add_months(data.month, -11), data.month)
    view.show(
        view.paid_against_due(months, tr("staff.overview.chart_collection"), tr("staff.overview.due_previous")),
        key="overview_collection",
    )
with right:
    if window is not None:
        per_window = staff_data.readings_per_window(add_months(window.period, -11), window.period, None)
        shown_share = view.bar(
            [view.month_label(w.period) for w in per_window],
            [float(w.share or 0) for w in per_window],
            tr("staff.submitted_pct"),
            text=[view.percent(half_up(w.share, 0) if w.share is not None else None) for w in per_window],
            textposition="outside",
            textfont={"size": 11},
            cliponaxis=False,
            marker={
                "color": [view.COLORS[0]] * (len(per_window) - 1)
                + [view.COLORS[4] if data.window_open else view.COLORS[0]]
            },
        )
        fig = view.figure(
            tr("staff.share_chart"),
            tr("staff.window"),
            tr("staff.submitted_pct"),
            [shown_share],
            yaxis={"range": [0, 100], "ticksuffix": " %"},
            showlegend=False,
            uniformtext={"minsize": 10, "mode": "show"},
        )
        view.show(fig, key="overview_share")
        if data.window_open:
            st.caption(tr("staff.overview.open_bar"))
