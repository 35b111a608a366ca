"""Demonstration payment provider, used only while no real provider keys are configured: no money moves.

Its buttons send a signed callback through the same core function as the provider's HTTP callback.
"""

import streamlit as st

from core import formatting, payment_providers, payment_status, payments
from core.errors import DomainError
from ui.pay_text import page, settings, status_badge, tr
from ui.plain import md
from ui.public_session import language, require_login
from ui.resources import sessions

lang = language()
login_id = require_login()
config = settings()

st.title(tr("demo.title"), anchor=False)
st.warning(tr("demo.banner"), icon=":material/science:")
order_id = st.query_params.get("order", "")
if config.provider != "demo":
    st.error(DomainError("payment.unavailable").message(lang))
    st.stop()
if not order_id:
    st.info(tr("demo.no_order"))
    st.stop()
try:
    intent = payments.intent_for_consumer(sessions(), login_id, order_id)
except DomainError as error:
    st.error(error.message(lang))
    st.stop()

with st.container(border=True):
    st.caption(tr("demo.recipient"))
    st.text(payment_providers.description(intent.account_number, intent.service))
    st.metric(tr("demo.amount"), formatting.money(intent.amount, lang))
    st.caption(f"{tr('demo.commission')} · {md(intent.order_id)}")

if intent.status not in payment_status.OPEN_STATUSES:
    st.markdown(tr("demo.closed", status=status_badge(intent.status)))
    st.page_link(page("pay_result.py"), label=tr("result.title"), query_params={"order": order_id})
    st.stop()
pay_column, decline_column = st.columns(2)
paid = pay_column.button(tr("demo.pay"), type="primary", width="stretch")
declined = decline_column.button(tr("demo.decline"), width="stretch")
if paid or declined:
    try:
        payments.demo_settle(sessions(), login_id, order_id, paid, config)
    except DomainError as error:
        st.error(error.message(lang))
        st.stop()
    st.switch_page(page("pay_result.py"), query_params={"order": order_id})
