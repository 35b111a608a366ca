"""Payment inflows by day / week / month, by service and channel, against the bills due in the same months."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import streamlit as st

from core import clock
from core.clock import add_months, month_start
from core.formatting import half_up
from ui import staff_data, staff_view as view
from ui.staff_access import require_role
from ui.staff_text import Names, tr

require_role("payments")
st.title(tr("staff.payments.title"))

today = clock.today()
UNITS = Names("staff.payments.by_", ("day", "week", "month"))
with st.container(horizontal=True):
    period = st.date_input(tr("staff.period"), value=(add_months(today, -11), today), max_value=today, format="DD.MM.YYYY")
    unit = st.segmented_control(tr("staff.payments.group"), list(UNITS), default="month", format_func=UNITS.get) or "month"
    service = st.selectbox(tr("staff.service"), [None, "heating", "hot_water"],
                           format_func=lambda s: view.SERVICE_NAMES.get(s, tr("staff.all_services")))
    channel = st.selectbox(tr("staff.channel"), [None, *view.PAYMENT_CHANNEL_NAMES],
                           format_func=lambda c: view.PAYMENT_CHANNEL_NAMES.get(c, tr("staff.all_channels")))
if not isinstance(period, tuple) or len(period) != 2:
    st.info(tr("staff.payments.choose_period"))
    st.stop()
first, last = period
if unit == "day" and (last - first).days > 120:
    st.warning(tr("staff.payments.too_many_days"))
    first = last - dt.timedelta(days=120)

rows = staff_data.payment_inflows(first, last, unit, service, channel)
if not rows:
    st.info(tr("staff.payments.none"))
    st.stop()
by_channel: dict[str, dict[dt.date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
by_service: dict[str, dict[dt.date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
for row in rows:
    by_channel[row.channel][row.bucket] += row.amount
    by_service[row.service][row.bucket] += row.amount
buckets = sorted({row.bucket for row in rows})
labels = [view.month_label(b) if unit == "month" else view.date(b) for b in buckets]
total = sum((row.amount for row in rows), Decimal(0))
count = sum(row.payments for row in rows)
c1, c2, c3 = st.columns(3)
c1.metric(tr("staff.payments.total"), view.money(total))
c2.metric(tr("staff.payments.count"), view.number(count))
c3.metric(tr("staff.payments.average"), view.money(half_up(total / count, 2) if count else None))

x_title = tr(f"staff.payments.axis_{unit}")
fig = view.figure(tr("staff.payments.chart_channels", by=UNITS[unit]), x_title, tr("staff.amount_uah"))
for key, name in view.PAYMENT_CHANNEL_NAMES.items():
    if key in by_channel:
        fig.add_bar(x=labels, y=[float(by_channel[key].get(b, 0)) for b in buckets], name=name)
fig.update_layout(barmode="stack")
fig.update_yaxes(tickformat=",.0f")
view.show(fig, key="by_channel")

fig = view.figure(tr("staff.payments.chart_services", by=UNITS[unit]), x_title, tr("staff.amount_uah"), height=320)
for key, name in view.SERVICE_NAMES.items():
    if key in by_service:
        fig.add_bar(x=labels, y=[float(by_service[key].get(b, 0)) for b in buckets], name=name)
fig.update_layout(barmode="group")
fig.update_yaxes(tickformat=",.0f")
view.show(fig, key="by_service")

st.subheader(tr("staff.payments.against"))
months = staff_data.payments_against_charges(month_start(first), month_start(last), service)
fig = view.figure(tr("staff.payments.chart_against"), tr("staff.month"), tr("staff.amount_uah"))
month_labels = [view.month_label(m.month) for m in months]
fig.add_bar(x=month_labels, y=[float(m.paid) for m in months], name=tr("staff.paid_in"))
fig.add_scatter(x=month_labels, y=[float(m.charged) for m in months], name=tr("staff.payments.due_previous"),
                mode="lines+markers")
fig.update_yaxes(tickformat=",.0f")
view.show(fig, key="against")
st.caption(tr("staff.payments.against_caption"))
st.dataframe(
    [{tr("staff.month"): view.month_label(m.month), tr("staff.col.paid_in"): view.money(m.paid),
      tr("staff.col.due"): view.money(m.charged), tr("staff.col.collection_rate"): view.percent(m.collection_rate)}
     for m in months],
    hide_index=True,
)
