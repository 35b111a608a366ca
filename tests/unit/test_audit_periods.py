"""The fixed periods that tally unauthenticated events, and the throttle's per-key lock number: pure rules."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from core.audit import period_start
from core.clock import KYIV
from core.throttle import lock_id

moments = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(KYIV))


@given(moments, st.integers(min_value=1, max_value=24 * 60))
def test_a_moment_falls_in_the_period_that_starts_at_or_before_it(at, minutes):
    start = period_start(at, minutes)
    assert start <= at < start + dt.timedelta(minutes=minutes)
    assert int(start.timestamp()) % (minutes * 60) == 0
    # Every moment of the same period maps to the same start, whatever its time zone.
    assert period_start(start + dt.timedelta(minutes=minutes) - dt.timedelta(microseconds=1), minutes) == start
    assert period_start(at.astimezone(dt.UTC), minutes) == start


@given(st.text(max_size=20), st.text(max_size=120))
def test_the_lock_number_is_a_stable_signed_64_bit_integer(scope, key):
    number = lock_id(scope, key)
    assert -(2**63) <= number < 2**63
    assert number == lock_id(scope, key)


def test_different_keys_get_different_locks():
    assert lock_id("login", "+380671234567") != lock_id("login", "+380671234568")
    assert lock_id("login", "olena") != lock_id("staff_login", "olena")
