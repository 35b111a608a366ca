"""Reads for the consumer screens. The statement (balances, last payments) is read fresh on every run, so a
payment shows at once; the month-by-month chart data is cached for a minute."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from core.consumer_history import MonthTotal, monthly_totals_for_consumer
from core.statements import Statement, statement_for_consumer


def statement(sessions, login_id: int, account_id: int) -> Statement:
    return statement_for_consumer(sessions, login_id, account_id)


@st.cache_data(ttl=60, show_spinner=False)
def monthly(_sessions, login_id: int, account_id: int, since: dt.date | None) -> list[MonthTotal]:
    return monthly_totals_for_consumer(_sessions, login_id, account_id, since)
