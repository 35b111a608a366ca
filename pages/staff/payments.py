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

require_role("payments")
st.title("Надходження оплат")

today = clock.today()
UNITS = {"day": "за днями", "week": "за тижнями", "month": "за місяцями"}
with st.container(horizontal=True):
    period = st.date_input("Період", value=(add_months(today, -11), today), max_value=today, format="DD.MM.YYYY")
    unit = st.segmented_control("Групувати", list(UNITS), default="month", format_func=lambda u: UNITS[u]) or "month"
    service = st.selectbox("Послуга", [None, "heating", "hot_water"],
                           format_func=lambda s: view.SERVICE_NAMES.get(s, "Усі послуги"))
    channel = st.selectbox("Канал", [None, *view.PAYMENT_CHANNEL_NAMES],
                           format_func=lambda c: view.PAYMENT_CHANNEL_NAMES.get(c, "Усі канали"))
if not isinstance(period, tuple) or len(period) != 2:
    st.info("Виберіть початок і кінець періоду.")
    st.stop()
first, last = period
if unit == "day" and (last - first).days > 120:
    st.warning("За днями показуємо не більше 120 днів: виберіть коротший період або групуйте за тижнями.")
    first = last - dt.timedelta(days=120)

rows = staff_data.payment_inflows(first, last, unit, service, channel)
if not rows:
    st.info("За вибраний період оплат немає.")
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
c1.metric("Надійшло за період", view.money(total))
c2.metric("Кількість оплат", view.number(count))
c3.metric("Середня оплата", view.money(half_up(total / count, 2) if count else None))

x_title = {"day": "День", "week": "Тиждень (з понеділка)", "month": "Місяць"}[unit]
view.show(view.bars(f"Надходження {UNITS[unit]}, за каналами", x_title, labels, buckets, by_channel,
                    view.PAYMENT_CHANNEL_NAMES, "stack"), key="by_channel")
view.show(view.bars(f"Надходження {UNITS[unit]}, за послугами", x_title, labels, buckets, by_service,
                    view.SERVICE_NAMES, "group", height=320), key="by_service")

st.subheader("Оплати проти нарахувань")
months = staff_data.payments_against_charges(month_start(first), month_start(last), service)
view.show(view.paid_against_due(months, "Надійшло за місяць і рахунок до сплати в цьому місяці",
                                "До сплати (нараховано за попер. місяць)"), key="against")
st.caption("Нарахування за місяць сплачуються наступного місяця, тож оплати місяця порівнюються з рахунком, "
           "виставленим за попередній. Фільтр каналу тут не застосовується. Поточний місяць — неповний.")
st.dataframe(
    [{"Місяць": view.month_label(m.month), "Надійшло": view.money(m.paid), "До сплати": view.money(m.charged),
      "Рівень оплати": view.percent(m.collection_rate)} for m in months],
    hide_index=True,
)
