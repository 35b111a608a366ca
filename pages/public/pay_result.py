"""Where the consumer lands after paying (the provider's result_url): the payment's status, checked again
every few seconds while the bank has not confirmed it. A pending payment is never shown as paid."""

import streamlit as st

from core import formatting, payment_status, payments
from core.errors import DomainError
from core.i18n import t
from ui.pay_text import page, status_badge, tr
from ui.plain import md
from ui.public_session import current_login_id, language
from ui.resources import sessions

lang = language()
login_id = current_login_id()
order_id = st.query_params.get("order", "")

st.title(tr("result.title"), anchor=False)


def status_now() -> str | None:
    return payments.intent_status(sessions(), order_id, shown=True) if order_id else None


def show(first_status: str | None) -> None:
    if login_id is None:  # back from the provider before logging in: the status only, no account details
        status = status_now()
        if status is None:
            st.error(t("payment.unknown_order", lang))
        else:
            st.markdown(tr("result.status_only", order=md(order_id), status=status_badge(status)))
        st.info(tr("result.login_for_details"))
    else:
        try:
            intent = payments.intent_for_consumer(sessions(), login_id, order_id)
        except DomainError as error:
            st.error(error.message(lang))
            return
        status, money = intent.shown_status, formatting.money(intent.amount, lang)
        st.markdown(status_badge(status))
        if status == "paid":
            st.success(
                tr(
                    "result.paid",
                    amount=money,
                    service=t("service." + intent.service, lang).lower(),
                    number=intent.account_number,
                ),
                icon=":material/check_circle:",
            )
        elif status == "failed":
            st.error(tr("result.failed", amount=money))
            if intent.last_error:
                st.caption(tr("result.reason"))
                st.text(intent.last_error)
        elif status == "expired":
            st.warning(tr("result.expired", amount=money))
        elif status == "reversed":
            st.warning(tr("result.reversed", amount=money))
        elif status == "unfinished":
            st.info(tr("result.unfinished", amount=money), icon=":material/hourglass_empty:")
        else:
            st.info(tr("result.pending", amount=money), icon=":material/hourglass_top:")
        st.caption(md(intent.order_id))
    if status != first_status:
        st.rerun()  # the status settled: redraw the page, which stops the polling


first = status_now()
st.fragment(show, run_every=5 if first in payment_status.SHOWN_OPEN_STATUSES else None)(first)

if login_id is None:
    st.page_link(page("login.py"), label=tr("result.login"), icon=":material/login:")
else:
    st.page_link(page("pay.py"), label=tr("result.again"), icon=":material/payments:")
    st.page_link(page("account.py"), label=tr("result.account"), icon=":material/home:")
