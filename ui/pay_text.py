"""The Pay, demo-provider and payment-result screens: their lookup of the message catalog (core.i18n), the status
labels, and the payment settings as the app sees them (core.config: secrets.toml over the environment)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import streamlit as st

from core.formatting import half_up
from core.i18n import t
from core.payment_providers import PaymentSettings
from ui.public_session import language

# The cabinet pages these screens link to, with the url paths public_app.py registers them under
# (result_url points at /pay-result, core.payment_providers.RESULT_PATH).
_PAGES = Path(__file__).resolve().parent.parent / "pages" / "public"
URL_PATHS = {
    "pay.py": "pay",
    "pay_demo.py": "pay-demo",
    "pay_result.py": "pay-result",
    "account.py": "account",
    "login.py": "login",
}

STATUS_COLOURS = {
    "unfinished": "gray",
    "pending": "orange",
    "paid": "green",
    "failed": "red",
    "expired": "gray",
    "reversed": "violet",
}


def tr(key: str, /, **params: object) -> str:
    """A payment screen's text (from the message catalog) in the consumer's language."""
    return t(key, language(), **params)


def page(name: str) -> st.Page:
    """A cabinet page by file name, as the navigation registers it, for st.switch_page and st.page_link."""
    return st.Page(_PAGES / name, url_path=URL_PATHS[name])


def status_badge(status: str) -> str:
    """A coloured label for the status as the consumer reads it (core.payment_status.consumer_status); a pending
    payment never reads as paid."""
    return f":{STATUS_COLOURS.get(status, 'gray')}-badge[{tr('status.' + status)}]"


def amount_text(value: Decimal) -> str:
    """An amount as the consumer would type it: `1866,66` (Ukrainian) or `1866.66`."""
    text = f"{half_up(value, 2):f}"
    return text.replace(".", ",") if language() == "uk" else text


def settings() -> PaymentSettings:
    """Payment provider settings: the process's settings (secrets.toml, root level, over the environment)."""
    return PaymentSettings.load()
