"""Payment inflows by day / week / month, by service and channel, against the bills due in the same months."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import streamlit as st

from core import clock
from core.clock import add_months, month_start
from core.dashboard import bucket_starts
from core.formatting import half_up
from ui import staff_data
from ui import staff_view as view
from ui.staff_access import require_role
from ui.staff_text import Names, tr

require_role("payments")
st.title(tr("staff.payments.title"))

today = clock.today()
UNITS = Names("staff.payments.by_", ("day", "week", "month"))
# The filters keep their choices through a switch of the staff language.
view.kept("payments_service", "payments_channel")
with st.container(horizontal=True):
    period = st.date_input(
        tr("staff.period"),
        value=(add_months(today, -11), today),
        max_value=today,
        format="DD.MM.YYYY",
        key="payments_period",
    )
    unit = (
        st.segmented_control(
            tr("staff.payments.group"),
            list(UNITS),
            default="month",
            format_func=lambda code: UNITS[code],
            key="payments_unit",
        )
        or "month"
    )
    service = st.selectbox(
        tr("staff.service"),
        [None, "heating", "hot_water"],
        format_func=lambda s: view.SERVICE_NAMES.get(s, tr("staff.all_services")),
        key="payments_service",
    )
    channel = st.selectbox(
        tr("staff.channel"),
        [None, *view.PAYMENT_CHANNEL_NAMES],
        format_func=lambda c: view.PAYMENT_CHANNEL_NAMES.get(c, tr("staff.all_channels")),
        key="payments_channel",
    )
if not isinstance(period, tuple) or len(period) != 2:
    st.info(tr("staff.payments.choose_period"))
    st.stop()
first, last = period
if unit == "day" and (last - first).days >= 120:  # 120 days, the last one included
    first = last - dt.timedelta(days=119)
    st.warning(tr("staff.payments.too_many_days", first=view.date(first), last=view.date(last)))

rows = staff_data.payment_inflows(first, last, unit, service, channel)
if not rows:
    st.info(tr("staff.payments.none"))
    st.stop()
by_channel: dict[str, dict[dt.date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
by_service: dict[str, dict[dt.date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
for row in rows:
    by_channel[row.channel][row.bucket] += row.amount
    by_service[row.service][row.bucket] += row.amount
buckets = bucket_starts(first, last, unit)  # the empty ones too: an axis that skips them joins far-apart dates
labels = [view.month_label(b) if unit == "month" else view.date(b) for b in buckets]
total = sum((row.amount for row in rows), Decimal(0))
count = sum(row.payments for row in rows)
c1, c2, c3 = st.columns(3)
c1.metric(tr("staff.payments.total"), view.money_short(total), help=tr("staff.exactly", amount=view.money(total)))
c2.metric(tr("staff.payments.count"), view.number(count))
c3.metric(tr("staff.payments.average"), view.money(half_up(total / count, 2) if count else None))

x_title = tr(f"staff.payments.axis_{unit}")
# Only the chosen tab's chart is drawn (a tab change reruns the page), not the page's three at once.
by_channel_tab, by_service_tab, against_tab = view.tabs(
    ["staff.payments.tab_channels", "staff.payments.tab_services", "staff.payments.against"], key="payments_tab"
)
for tab, series, names, barmode, chart in (
    (by_channel_tab, by_channel, view.PAYMENT_CHANNEL_NAMES, "stack", "channels"),
    (by_service_tab, by_service, view.SERVICE_NAMES, "group", "services"),
):
    if tab.open:
        with tab:
            title = tr(f"staff.payments.chart_{chart}", by=UNITS[unit])
            view.show(view.bars(title, x_title, labels, buckets, series, names, barmode), key=f"by_{chart}")
if against_tab.open:
    with against_tab:
        months = staff_data.payments_against_charges(month_start(first), month_start(last), service)
        view.show(
            view.paid_against_due(months, tr("staff.payments.chart_against"), tr("staff.payments.due_previous")),
            key="against",
        )
        st.caption(tr("staff.payments.against_caption"))
        st.dataframe(
            [
                {
                    tr("staff.month"): view.month_label(m.month),
                    tr("staff.col.paid_in"): view.money(m.paid),
                    tr("staff.col.due"): view.money(m.charged),
                    tr("staff.col.collection_rate"): view.percent(m.collection_rate),
                }
                for m in months
            ],
            hide_index=True,
        )
