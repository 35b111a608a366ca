"""Cached reads for the consumer screens (short TTL: a payment or a reading shows up within a minute)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from core.consumer_history import MonthTotal, monthly_totals_for_consumer
from core.statements import Statement, statement_for_consumer


@st.cache_data(ttl=30, show_spinner=False)
def statement(_sessions, login_id: int, account_id: int) -> Statement:
    return statement_for_consumer(_sessions, login_id, account_id)


@st.cache_data(ttl=300, show_spinner=False)
def monthly(_sessions, login_id: int, account_id: int, since: dt.date | None) -> list[MonthTotal]:
    return monthly_totals_for_consumer(_sessions, login_id, account_id, since)
