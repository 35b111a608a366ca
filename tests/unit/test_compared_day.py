"""The day the overview compares today's debt with (core.balances.compared_day): always in last month, on today's
day of the month or, when last month is shorter, on its last day; and it never goes back from one day to the next."""

from __future__ import annotations

import calendar
import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from core.balances import compared_day
from core.clock import KYIV

moments = st.datetimes(dt.datetime(2019, 1, 1), dt.datetime(2035, 1, 1), timezones=st.just(dt.UTC))


@given(moments)
def test_it_is_today_last_month_or_last_months_last_day(moment):
    today = moment.astimezone(KYIV).date()
    day = compared_day(moment)
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    assert day.replace(day=1) == last_month
    assert day.day == min(today.day, calendar.monthrange(last_month.year, last_month.month)[1])


@given(moments)
def test_the_next_day_compares_with_a_later_day_or_the_same_last_day(moment):
    today, tomorrow = compared_day(moment), compared_day(moment + dt.timedelta(days=1))
    assert tomorrow > today or (tomorrow == today and today.day >= 28)
