"""The day totals' aggregation rule (core.rollups.payment_totals): totals added file by file, in any split, equal
the totals of all the payments at once, and each payment lands on its Kyiv day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from core.clock import KYIV
from core.rollups import payment_totals


@dataclass(frozen=True)
class P:
    paid_at: dt.datetime
    service: str
    channel: str
    amount: Decimal


payments = st.lists(
    st.builds(
        P,
        st.datetimes(dt.datetime(2019, 1, 1), dt.datetime(2030, 1, 1), timezones=st.just(dt.UTC)),
        st.sampled_from(["heating", "hot_water"]),
        st.sampled_from(["bank", "cabinet", "cash"]),
        st.decimals(-100000, 100000, places=2, allow_nan=False, allow_infinity=False),
    ),
    max_size=40,
)


def added(*parts: list[P]) -> dict:
    """What the upserts leave: each part's totals added to the rows already there."""
    rows: dict = {}
    for part in parts:
        for key, (amount, count) in payment_totals(part).items():
            before = rows.get(key, (Decimal(0), 0))
            rows[key] = (before[0] + amount, before[1] + count)
    return rows


@given(payments, st.integers(0, 40))
def test_totals_added_in_parts_equal_the_totals_of_the_whole(rows, cut):
    assert added(rows[:cut], rows[cut:]) == added(rows)
    assert sum((a for a, _ in payment_totals(rows).values()), Decimal(0)) == sum((p.amount for p in rows), Decimal(0))
    assert sum(n for _, n in payment_totals(rows).values()) == len(rows)


@given(payments)
def test_each_payment_counts_on_its_kyiv_day(rows):
    for p in rows:
        day, service, channel = p.paid_at.astimezone(KYIV).date(), p.service, p.channel
        assert (day, service, channel) in payment_totals(rows)


def test_just_after_kyiv_midnight_is_the_next_day():
    late = P(dt.datetime(2026, 11, 9, 22, 30, tzinfo=dt.UTC), "heating", "bank", Decimal("1.00"))
    assert list(payment_totals([late])) == [(dt.date(2026, 11, 10), "heating", "bank")]
