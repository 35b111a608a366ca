"""The pure rule of when a login session ends: idle time without use, and a maximum age however busy."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from core.clock import KYIV
from core.session_rules import Lifetime, expires_at, is_live, seen_again

START = dt.datetime(2026, 11, 1, 9, 0, tzinfo=KYIV)
minutes = st.integers(min_value=1, max_value=60 * 24 * 60)


@given(
    idle=minutes,
    absolute=minutes,
    used_after=st.integers(min_value=0, max_value=60 * 24 * 90),
    asked_after=st.integers(min_value=0, max_value=60 * 24 * 120),
)
def test_a_session_is_live_only_within_both_limits(idle, absolute, used_after, asked_after):
    lifetime = Lifetime(dt.timedelta(minutes=idle), dt.timedelta(minutes=absolute))
    last_seen = START + dt.timedelta(minutes=used_after)
    now = max(last_seen, START + dt.timedelta(minutes=asked_after))
    live = is_live(START, last_seen, now, lifetime)
    assert live == (now - last_seen < lifetime.idle and now - START < lifetime.absolute)
    assert expires_at(START, last_seen, lifetime) <= START + lifetime.absolute


@given(idle=minutes, absolute=minutes, uses=st.lists(st.integers(min_value=1, max_value=60 * 24), max_size=60))
def test_no_amount_of_use_keeps_a_session_past_its_maximum_age(idle, absolute, uses):
    lifetime = Lifetime(dt.timedelta(minutes=idle), dt.timedelta(minutes=absolute))
    last_seen = START
    for gap in uses:
        moment = last_seen + dt.timedelta(minutes=gap)
        if not is_live(START, last_seen, moment, lifetime):
            break
        last_seen = moment
    assert last_seen - START < lifetime.absolute or last_seen == START
    assert not is_live(START, last_seen, START + lifetime.absolute, lifetime)


@given(
    idle=minutes,
    uses=st.lists(st.integers(min_value=0, max_value=60 * 24 * 2), min_size=1, max_size=80),
    seconds=st.integers(min_value=0, max_value=59),
)
def test_a_use_written_down_at_most_once_a_minute_ends_a_session_early_by_less_than_that_never_late(
    idle, uses, seconds
):
    """Uses at any moments, each written down only when `seen_again` says so: the session is live exactly when an
    exact timer would keep it, except in the last minute (or tenth of the idle limit) before that timer runs out."""
    lifetime = Lifetime(dt.timedelta(minutes=idle), dt.timedelta(days=365))
    recorded = exact = START
    moment = START
    for gap in uses:
        moment += dt.timedelta(minutes=gap, seconds=seconds)
        live_exactly = is_live(START, exact, moment, lifetime)
        live = is_live(START, recorded, moment, lifetime)
        assert not live or live_exactly  # never kept beyond the exact timer
        slack = min(dt.timedelta(minutes=1), lifetime.idle / 10)
        assert live or not is_live(START, exact, moment + slack, lifetime)  # ended early by less than the slack
        if not live:
            break
        exact = moment
        if seen_again(recorded, moment, lifetime):
            recorded = moment
        assert exact - recorded < slack
