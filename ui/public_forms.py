"""Pieces shared by the registration, "add an account" and forgotten-password screens: the receipt help, the proof
fields and the proof-and-new-password form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

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
        tr("register.method"),
        [BY_PAYMENT, BY_METER],
        key=key,
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


class ProofAndPassword(TypedDict):
    """The keyword arguments that core.consumers.register and core.password_reset.reset_password share."""

    account_number: str
    last_payment: str | None
    meter_serial: str | None
    login: str
    password: str
    password_repeated: str


@dataclass(frozen=True)
class PasswordForm:
    """A submitted proof of an account with a login and its new password (registration, a forgotten password)."""

    proof: Proof
    login: str
    password: str
    password_repeated: str
    problem: DeltaGenerator  # the empty place right above the button, where the eye is after the click
    submitted: bool

    def fields(self) -> ProofAndPassword:
        return {
            "account_number": self.proof.account_number,
            "last_payment": self.proof.last_payment,
            "meter_serial": self.proof.meter_serial,
            "login": self.login,
            "password": self.password,
            "password_repeated": self.password_repeated,
        }


def proof_and_password_form(key: str, texts: str) -> PasswordForm:
    """The way of proof (radio `{texts}_method`), then st.form `key`: the proof, the login and the new password twice;
    the labels are the screen's own catalog texts `{texts}.login`, `.password`, `.password2` and `.submit`."""
    method = proof_method(f"{texts}_method")
    with st.form(key):
        proof = proof_fields(method)
        login = st.text_input(tr(f"{texts}.login"), placeholder="+380671234567", help=tr("login.login_help"))
        password = st.text_input(tr(f"{texts}.password"), type="password")
        password_repeated = st.text_input(tr(f"{texts}.password2"), type="password")
        problem = st.empty()
        submitted = st.form_submit_button(tr(f"{texts}.submit"), type="primary", width="stretch")
    return PasswordForm(proof, login, password, password_repeated, problem, submitted)
