"""A chart's axis over a period: every day/week/month in it, the empty ones too, in order (weeks from Monday)."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import given
from hypothesis import strategies as st

from core.clock import add_months
from core.dashboard import bucket_start, bucket_starts

days = st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2035, 12, 31))


@given(days, days, st.sampled_from(["day", "week", "month"]))
def test_every_bucket_between_the_first_and_the_last_once_in_order(a, b, unit):
    first, last = min(a, b), max(a, b)
    buckets = bucket_starts(first, last, unit)
    assert buckets[0] == bucket_start(first, unit) and buckets[-1] == bucket_start(last, unit)
    step = {"day": lambda d: d + dt.timedelta(days=1), "week": lambda d: d + dt.timedelta(days=7)}.get(
        unit, lambda d: add_months(d, 1)
    )
    assert all(step(earlier) == later for earlier, later in itertools.pairwise(buckets))  # none skipped, none twice
    assert all(bucket_start(bucket, unit) == bucket for bucket in buckets)  # each a bucket's own first day
    if unit == "week":
        assert all(bucket.weekday() == 0 for bucket in buckets)


def test_weeks_across_a_quiet_summer_are_all_there():
    weeks = bucket_starts(dt.date(2026, 5, 27), dt.date(2026, 11, 4), "week")
    assert weeks[:2] == [dt.date(2026, 5, 25), dt.date(2026, 6, 1)] and weeks[-1] == dt.date(2026, 11, 2)
    assert len(weeks) == 24
