"""My account: per service the balance and the latest charge, a chart of charges vs payments, the history."""

from functools import partial

import streamlit as st

from core import clock, formatting, receipts
from core.clock import add_months
from core.consumer_history import monthly_totals_of
from core.file_names import file_name
from core.i18n import t
from core.statements import statement_for_consumer
from ui.month_chart import month_chart
from ui.plain import md
from ui.public_session import language, require_login, selected_account, tr
from ui.public_text import text_or
from ui.resources import sessions
from ui.tables import Cell, history_table

lang = language()
login_id = require_login()
account = selected_account()
data = statement_for_consumer(sessions(), login_id, account.account_id)

if st.session_state.pop("welcome", False) or st.query_params.get("welcome"):
    st.query_params.pop("welcome", None)
    st.success(tr("welcome.registered"))
if flash := st.session_state.pop("flash", None):
    st.success(flash)

st.title(tr("account.title"), anchor=False)
st.markdown(f"**{tr('account.number', number=md(data.number))}**")
st.text(data.address)
if account.closed_on is not None:
    st.info(tr("account.closed", date=formatting.date(account.closed_on, lang)))

for service in data.services:
    with st.container(border=True):
        st.subheader(t(f"service.{service.service}", lang), anchor=False)
        if service.balance > 0:
            st.metric(tr("account.debt"), formatting.money(service.balance, lang))
        elif service.balance < 0:
            st.metric(tr("account.overpaid"), formatting.money(-service.balance, lang))
        else:
            st.metric(tr("account.settled"), formatting.money(service.balance, lang))
        charge = service.latest_charge
        if charge is None:
            st.caption(tr("account.no_charges"))
        else:
            st.write(tr("account.latest_charge", month=formatting.month(charge.month, lang)) + ":")
            if charge.discount_percent:
                st.markdown(
                    tr(
                        "account.discount_line",
                        amount=formatting.money(charge.amount, lang),
                        percent=formatting.percent(charge.discount_percent, lang),
                        to_pay=formatting.money(charge.amount_to_pay, lang),
                    )
                )
            else:
                st.markdown(f"**{formatting.money(charge.amount_to_pay, lang)}**")
        paid = service.last_payment
        st.caption(
            tr(
                "account.last_payment",
                amount=formatting.money(paid.amount, lang),
                date=formatting.date(paid.paid_at.astimezone(clock.KYIV).date(), lang),
            )
            if paid
            else tr("account.no_payments")
        )

for pending in (p for p in data.pending if p.status == "pending"):  # the bank reported it; not a mere draft
    st.info(
        tr(
            "account.pending",
            amount=formatting.money(pending.amount, lang),
            service=t(f"service.{pending.service}", lang),
            date=formatting.datetime(pending.paid_at, lang),
        )
    )
st.page_link("pages/public/pay.py", label=tr("account.pay"), icon=":material/payments:")

if data.recalculations:
    with st.container(border=True):
        st.subheader(tr("account.recalculations"), anchor=False)
        for r in data.recalculations:
            key = (
                "account.recalculation_reversal"
                if r.kind == "reversal"
                else "account.recalculation_credit"
                if r.volume < 0
                else "account.recalculation_charge"
            )
            st.text(
                tr(
                    key,
                    month=formatting.month(r.period, lang),
                    estimated=formatting.volume(r.estimated_volume, lang),
                    actual=formatting.volume(r.actual_volume, lang),
                    volume=formatting.volume(abs(r.volume), lang),
                    amount=formatting.money(abs(r.amount), lang),
                )
            )

receipt_months = sorted({c.month for c in data.charges}, reverse=True)
if receipt_months:
    st.subheader(tr("account.receipt"), anchor=False)
    receipt_month = st.selectbox(
        tr("account.receipt_month"),
        receipt_months,
        key="receipt_month",
        format_func=lambda m: formatting.month(m, lang),
    )
    if receipts.fonts_available():
        st.download_button(
            tr("account.receipt_download"),
            icon=":material/download:",
            mime="application/pdf",
            on_click="ignore",
            file_name=file_name(f"kvytantsiia {data.number} {receipt_month:%Y-%m}", extension="pdf"),
            help=tr("account.receipt_help"),
            data=partial(receipts.pdf_for_consumer, sessions(), login_id, account.account_id, receipt_month, lang),
        )
    else:
        st.warning(t("receipt.unavailable", lang))

st.subheader(tr("account.chart_title"), anchor=False)
span = st.segmented_control(
    tr("account.chart_range"),
    ["24", "all"],
    default="24",
    label_visibility="collapsed",
    format_func=lambda s: {"24": tr("account.range_24"), "all": tr("account.range_all")}[s],
)
since = None if span == "all" else add_months(clock.today().replace(day=1), -23)
months = monthly_totals_of(data, since)
if months:
    month_chart(months, lang, title=tr("account.chart_title"), charged=tr("account.charged"), paid=tr("account.paid"))
else:
    st.caption(tr("account.no_history"))

st.subheader(tr("account.history"), anchor=False)
charges_tab, payments_tab = st.tabs([tr("account.tab_charges"), tr("account.tab_payments")])
with charges_tab:
    years = sorted({c.month.year for c in data.charges}, reverse=True)
    if not years:
        st.caption(tr("account.no_charges"))
    else:
        year = st.selectbox(tr("account.year"), years, key="charges_year")
        # Two narrow columns' worth of detail goes on a second line under the amount and the service, so the
        # table fits a phone without a sideways swipe and loses nothing.
        history_table(
            tr("account.charges_caption", year=year),
            [tr("account.col_month"), tr("account.col_service"), tr("account.col_to_pay")],
            [
                [
                    Cell(formatting.month(c.month, lang)),
                    Cell(t(f"service.{c.service}", lang), tr(f"correction.{c.correction}") if c.correction else ""),
                    Cell(
                        formatting.money(c.amount_to_pay, lang),
                        tr(
                            "account.charge_detail",
                            amount=formatting.money(c.amount, lang),
                            percent=formatting.percent(c.discount_percent, lang),
                        )
                        if c.discount_percent
                        else "",
                    ),
                ]
                for c in data.charges
                if c.month.year == year
            ],
            numeric=frozenset({2}),
        )
        st.caption(tr("account.subsidy_note"))
with payments_tab:
    if not data.payments:
        st.caption(tr("account.no_payments"))
    else:
        paid_years = sorted({p.paid_at.astimezone(clock.KYIV).year for p in data.payments}, reverse=True)
        paid_year = st.selectbox(tr("account.year"), paid_years, key="payments_year")
        history_table(
            tr("account.payments_caption", year=paid_year),
            [tr("account.col_date"), tr("account.col_service"), tr("account.col_paid")],
            [
                [
                    Cell(formatting.date(p.paid_at.astimezone(clock.KYIV).date(), lang)),
                    Cell(t(f"service.{p.service}", lang), tr(f"correction.{p.correction}") if p.correction else ""),
                    Cell(
                        formatting.money(p.amount, lang),
                        tr("account.reversal") if p.reversal else text_or(f"channel.{p.channel}", lang, p.channel),
                    ),
                ]
                for p in data.payments
                if p.paid_at.astimezone(clock.KYIV).year == paid_year
            ],
            numeric=frozenset({2}),
        )
