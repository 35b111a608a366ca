"""Pieces shared by the registration and "add an account" screens: the receipt help and the proof fields."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from ui.public_session import tr

BY_PAYMENT, BY_METER = "payment", "meter"


@dataclass(frozen=True)
class Proof:
    account_number: str
    last_payment: str | None
    meter_serial: str | None


def receipt_help() -> None:
    with st.expander(tr("register.help_title"), icon=":material/receipt_long:"):
        st.markdown(tr("register.help"))


def proof_method(key: str) -> str:
    """Outside the form, so the form shows the matching field at once."""
    method = st.radio(
        tr("register.method"), [BY_PAYMENT, BY_METER], key=key,
        format_func={BY_PAYMENT: tr("register.by_payment"), BY_METER: tr("register.by_meter")}.get,
    )
    return method or BY_PAYMENT


def proof_fields(method: str) -> Proof:
    """Inside an st.form: the account number and either the last payment or the meter number."""
    number = st.text_input(tr("register.account"), placeholder="1120200001000", help=tr("register.account_help"))
    if method == BY_METER:
        meter = st.text_input(tr("register.meter"), help=tr("register.meter_help"))
        return Proof(number, None, meter)
    amount = st.text_input(tr("register.amount"), placeholder="1866,66", help=tr("register.amount_help"))
    return Proof(number, amount, None)
