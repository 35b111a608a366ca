"""Pay: choose the service and the amount (the debt by default), then go to the payment service. No commission."""

from decimal import Decimal

import streamlit as st

from core import formatting, payments, statements
from core.errors import DomainError
from core.i18n import t
from ui.pay_text import amount_text, page, settings, status_badge, tr
from ui.plain import md
from ui.public_session import language, require_login, selected_account
from ui.public_session import tr as public_tr
from ui.resources import sessions

lang = language()
login_id = require_login()
account = selected_account()
config = settings()

st.title(tr("pay.title"), anchor=False)
st.markdown(tr("pay.account", number=md(account.number)))
st.caption(md(account.address))
st.success(tr("pay.no_commission"), icon=":material/verified:")
if config.provider == "off":
    st.warning(public_tr("pay.not_configured"), icon=":material/credit_card_off:")
    st.stop()

services = [s for s, on in (("heating", account.has_heating), ("hot_water", account.has_hot_water)) if on]
if not services:
    st.info(tr("pay.no_services"))
    st.stop()
balances = {
    s.service: s.balance for s in statements.statement_for_consumer(sessions(), login_id, account.account_id).services
}


def service_label(service: str) -> str:
    balance = balances.get(service, Decimal(0))
    state = (
        tr("pay.debt", amount=formatting.money(balance, lang))
        if balance > 0
        else tr("pay.overpaid", amount=formatting.money(-balance, lang))
        if balance < 0
        else tr("pay.settled")
    )
    return f"{t('service.' + service, lang)} — {state}"


owed = [s for s in services if balances.get(s, 0) > 0]
service = st.radio(
    tr("pay.service"),
    services,
    format_func=service_label,
    key=f"pay_service_{account.account_id}",
    index=services.index(owed[0]) if owed else 0,
)
debt = balances.get(service, Decimal(0))
with st.form(f"pay_{account.account_id}_{service}", border=False):
    amount = st.text_input(
        tr("pay.amount"),
        value=amount_text(debt) if debt > 0 else "",
        help=tr("pay.amount_help"),
        key=f"pay_amount_{account.account_id}_{service}",  # its container's class gets it a number keyboard
    )
    submitted = st.form_submit_button(tr("pay.submit"), type="primary", width="stretch")
if submitted:
    shown = st.session_state.get("pay_checkout")
    try:
        intent = payments.create_intent(
            sessions(),
            login_id,
            account.account_id,
            service,
            amount,
            provider=config.provider,
            language=lang,
            reuse=shown[0].order_id if shown else None,  # the same payment clicked again is not a second one
        )
        checkout = payments.begin_checkout(sessions(), login_id, intent.order_id, config, lang)
    except DomainError as error:
        st.error(error.message(lang))
        st.session_state.pop("pay_checkout", None)  # a refused amount leaves no earlier payment on screen to pay
    else:
        st.session_state["pay_checkout"] = (intent, checkout)

ready = st.session_state.get("pay_checkout")
if ready and payments.intent_status(sessions(), ready[0].order_id) not in ("created", "pending"):
    del st.session_state["pay_checkout"]  # paid, failed or expired: offer a fresh payment, not this one
    ready = None
if ready and ready[0].account_id == account.account_id:
    intent, checkout = ready
    money = formatting.money(intent.amount, lang)
    with st.container(border=True):
        st.subheader(tr("pay.ready"))
        st.markdown(
            tr(
                "pay.summary",
                service=t("service." + intent.service, lang),
                amount=money,
                number=md(intent.account_number),
                order=md(intent.order_id),
            )
        )
        if intent.provider == "liqpay":
            st.link_button(
                tr("pay.go_liqpay", amount=money),
                checkout.link,
                type="primary",
                width="stretch",
                icon=":material/credit_card:",
            )
            st.caption(tr("pay.liqpay_note"))
        elif st.button(tr("pay.go_demo", amount=money), type="primary", width="stretch", icon=":material/science:"):
            st.switch_page(page("pay_demo.py"), query_params={"order": intent.order_id})
        else:
            st.caption(tr("pay.demo_note"))
        if intent.expires_at:
            st.caption(tr("pay.expires", time=formatting.datetime(intent.expires_at, lang)))

st.subheader(tr("pay.history"))
history = payments.recent_intents(sessions(), login_id, account.account_id)
if not history:
    st.caption(tr("pay.history_empty"))
for past in history:
    line = tr(
        "pay.history_line",
        date=formatting.datetime(past.created_at, lang),
        service=t("service." + past.service, lang),
        amount=formatting.money(past.amount, lang),
    )
    st.markdown(f"{line} {status_badge(past.shown_status)}")
if any(past.shown_status == "unfinished" for past in history):
    st.caption(tr("pay.history_unfinished_note"))
