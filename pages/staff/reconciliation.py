"""Reconciliation of cabinet payments with the bank registries: what needs a look, and what the bank has not reported."""

import datetime as dt
from decimal import Decimal
from typing import Any

import streamlit as st

from core import clock
from ui import staff_data
from ui import staff_view as view
from ui.staff_access import require_role
from ui.staff_text import Names, tr

require_role("reconciliation")
st.title(tr("staff.reconciliation.title"))
st.caption(tr("staff.reconciliation.intro"))

OUTCOMES = Names("staff.reconciliation.outcome.", ("added", "matched_intent", "duplicate", "corrected"))
ISSUES = Names(
    "staff.reconciliation.issue.", ("order_unknown", "order_mismatch", "amount_differs", "possible_duplicate")
)


def headings(*names: str) -> list[str]:
    """A table's column headings, from their names in the catalog."""
    return [tr(f"staff.reconciliation.col.{name}") for name in names]


today = clock.today()
period = st.date_input(
    tr("staff.reconciliation.days"),
    value=(today - dt.timedelta(days=30), today),
    max_value=today,
    format="DD.MM.YYYY",
    key="reconciliation_days",
)
if not isinstance(period, tuple) or len(period) != 2:
    st.info(tr("staff.payments.choose_period"))
    st.stop()
since, until = period
data = staff_data.reconciliation(since, until)
filters = {tr("staff.filter.from"): view.date(since), tr("staff.filter.to"): view.date(until)}

columns = st.columns(5)
for column, (outcome, label) in zip(columns, OUTCOMES.items()):
    count, total = data.outcomes.get(outcome, (0, Decimal(0)))
    column.metric(label, view.number(count), help=tr("staff.reconciliation.sum", amount=view.money(total)))
columns[4].metric(
    tr("staff.reconciliation.cabinet_paid"),
    view.number(data.cabinet_paid[0]),
    help=tr("staff.reconciliation.sum", amount=view.money(data.cabinet_paid[1])),
)

st.subheader(tr("staff.reconciliation.unmatched", count=len(data.unmatched_rows)))
if data.unmatched_rows:
    header = headings("paid_at", "account", "service", "amount", "order", "issue", "credited", "source", "record")
    rows: list[list[Any]] = [
        [
            r.paid_at,
            r.account_number,
            view.SERVICE_NAMES.get(r.service, r.service),
            r.amount,
            r.order_id or "",
            ISSUES.get(r.issue, r.issue),
            r.credited,
            r.source,
            r.external_ref,
        ]
        for r in data.unmatched_rows
    ]
    shown = [
        [
            view.moment(r.paid_at),
            r.account_number,
            view.SERVICE_NAMES.get(r.service, r.service),
            view.money(r.amount),
            r.order_id or "",
            ISSUES.get(r.issue, r.issue),
            tr("staff.yes") if r.credited else tr("staff.no"),
            r.source,
            r.external_ref,
        ]
        for r in data.unmatched_rows
    ]
    view.table_with_csv(header, rows, shown, filters, "zvirka-riadky", what=tr("staff.what.rows"))
else:
    st.success(tr("staff.reconciliation.all_matched"))

st.subheader(tr("staff.reconciliation.unconfirmed", count=len(data.unconfirmed_intents)))
if data.unconfirmed_intents:
    header = headings("paid_at", "order", "account", "service", "amount", "provider")
    rows = [
        [
            u.paid_at,
            u.order_id,
            u.account_number,
            view.SERVICE_NAMES.get(u.service, u.service),
            u.amount,
            "LiqPay" if u.provider == "liqpay" else tr("staff.reconciliation.demo"),
        ]
        for u in data.unconfirmed_intents
    ]
    shown = [[view.moment(r[0]), *r[1:4], view.money(r[4]), r[5]] for r in rows]
    view.table_with_csv(
        header, rows, shown, filters, "zvirka-kabinet", key="unconfirmed", what=tr("staff.what.payments")
    )
    st.caption(tr("staff.reconciliation.bank_delay"))
else:
    st.success(tr("staff.reconciliation.all_confirmed"))

st.subheader(tr("staff.reconciliation.reversals", count=len(data.reversals)))
if data.reversals:
    header = headings("reversed_at", "account", "service", "amount", "paid_at", "source", "record")
    rows = [
        [
            r.reversed_at,
            r.account_number,
            view.SERVICE_NAMES.get(r.service, r.service),
            r.amount,
            r.paid_at,
            r.source,
            r.external_ref,
        ]
        for r in data.reversals
    ]
    shown = [[view.moment(r[0]), *r[1:3], view.money(r[3]), view.moment(r[4]), *r[5:]] for r in rows]
    view.table_with_csv(header, rows, shown, filters, "zvirka-storno", key="reversals", what=tr("staff.what.reversals"))
    st.caption(tr("staff.reconciliation.reversal_note"))
else:
    st.caption(tr("staff.reconciliation.no_reversals"))
