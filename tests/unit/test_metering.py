"""The pure rules of readings and estimates (DESIGN rules 6, 10, 11), over any history hypothesis can think of."""

import datetime as dt
import itertools
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from core import metering
from core.clock import KYIV
from core.config import settings
from core.metering import Candidate, MeterSpan

DAY = dt.timedelta(days=1)
START = dt.datetime(2019, 1, 1, 12, tzinfo=KYIV)

volumes = st.decimals(min_value=0, max_value=50, places=3, allow_nan=False, allow_infinity=False)
moments = st.integers(min_value=0, max_value=400).map(lambda d: START + d * DAY)
candidates = st.builds(Candidate, moments, st.booleans(), st.booleans(), st.integers(0, 10**6))


@given(st.lists(candidates, min_size=1, max_size=6, unique_by=lambda c: c.order))
def test_the_latest_reading_date_stands_whatever_the_arrival_order(pool):
    chosen = metering.standing(pool)
    for permutation in itertools.islice(itertools.permutations(pool), 24):
        assert metering.standing(list(permutation)) == chosen
    latest = max(c.read_at for c in pool)
    assert chosen.read_at == latest
    tied = [c for c in pool if c.read_at == latest]
    if not any(c.corrected for c in tied) and any(c.own for c in tied):
        assert chosen.own  # on a tie, the consumer's own


def test_the_issue_case_an_older_import_does_not_displace_the_consumers_reading():
    consumer = Candidate(dt.datetime(2026, 11, 2, 10, tzinfo=KYIV), own=True, corrected=False, order=1)
    utility = Candidate(dt.datetime(2026, 10, 26, 10, tzinfo=KYIV), own=False, corrected=False, order=2)
    assert metering.standing([consumer, utility]) == consumer


@given(volumes, volumes, volumes)
def test_a_value_between_its_neighbours_is_in_order(a, b, c):
    before, value, after = sorted((a, b, c))
    assert metering.order_problem(value, before, after) is None
    if before > 0:
        assert metering.order_problem(before - Decimal("0.001"), before, after) == "reading.below_previous"
    assert metering.order_problem(after + Decimal("0.001"), before, after) == "reading.above_next"


def test_a_normal_reading_after_a_long_gap_is_no_jump():
    two_a_month = Decimal(2) / metering.AVERAGE_MONTH_DAYS
    half_year = Decimal(182)
    assert not metering.is_jump(Decimal(12), two_a_month, half_year)
    assert metering.is_jump(Decimal(12), two_a_month, Decimal(30))  # the same 12 m³ in one month is a jump


@given(volumes, st.none() | volumes.map(lambda v: v / 30), st.integers(0, 720), st.integers(0, 720))
def test_more_days_never_turn_plausible_use_into_a_jump(consumption, average, days, more):
    if not metering.is_jump(consumption, average, Decimal(days)):
        assert not metering.is_jump(consumption, average, Decimal(days + more))


def test_a_replaced_meter_keeps_the_accounts_average():
    until = dt.datetime(2020, 2, 25, tzinfo=KYIV)
    old = MeterSpan(
        dt.date(2015, 1, 1),
        Decimal(0),
        first_at=dt.datetime(2019, 3, 1, tzinfo=KYIV),
        first_value=Decimal(100),
        last_at=dt.datetime(2019, 12, 28, tzinfo=KYIV),
        last_value=Decimal(130),
        last_period=dt.date(2019, 12, 1),
    )
    new = MeterSpan(dt.date(2020, 1, 10), Decimal("0.5"))
    line = metering.estimate([old, new], dt.date(2020, 2, 1), residents=4, until=until)
    assert line.rule == "average" and line.quality == "estimated"
    assert Decimal("2.5") < line.volume < Decimal("3.5")  # about 3 m³ a month, not the norm of 6,4


def test_one_reading_in_twelve_months_is_averaged_from_the_one_before():
    until = dt.datetime(2020, 2, 25, tzinfo=KYIV)
    meter = MeterSpan(
        dt.date(2015, 1, 1),
        Decimal(0),
        first_at=dt.datetime(2020, 1, 28, tzinfo=KYIV),
        first_value=Decimal(136),
        last_at=dt.datetime(2020, 1, 28, tzinfo=KYIV),
        last_value=Decimal(136),
        before_at=dt.datetime(2019, 1, 28, tzinfo=KYIV),
        before_value=Decimal(100),
        last_period=dt.date(2020, 1, 1),
    )
    line = metering.estimate([meter], dt.date(2020, 2, 1), residents=4, until=until)
    assert line.rule == "average" and line.average_daily == Decimal("0.098630")  # 36 m³ over 365 days


def test_no_history_or_a_long_silence_falls_back_to_the_norm():
    until = dt.datetime(2020, 2, 25, tzinfo=KYIV)
    fresh = metering.estimate([MeterSpan(dt.date(2015, 1, 1), Decimal(0))], dt.date(2020, 2, 1), 2, until)
    assert (fresh.rule, fresh.months_without, fresh.volume) == ("norm", None, settings().hot_water_norm * 2)
    silent = MeterSpan(
        dt.date(2015, 1, 1),
        Decimal(0),
        first_at=dt.datetime(2019, 3, 1, tzinfo=KYIV),
        first_value=Decimal(10),
        last_at=dt.datetime(2019, 10, 28, tzinfo=KYIV),
        last_value=Decimal(30),
        last_period=dt.date(2019, 10, 1),
    )
    assert metering.estimate([silent], dt.date(2020, 2, 1), 2, until).rule == "norm"


@given(volumes, volumes)
def test_billed_and_credited_settle_the_difference(consumption, estimated):
    result = metering.billed(consumption, estimated)
    assert result.billed >= 0 and result.credited >= 0 and min(result.billed, result.credited) == 0
    assert estimated + result.billed - result.credited == consumption


@given(st.lists(st.tuples(st.booleans(), volumes, volumes), min_size=1, max_size=24))
def test_over_any_history_estimates_plus_recalculations_equal_the_true_consumption(months):
    """Each month the meter advances by its true use; a month without a reading is charged an estimate, and the next
    reading bills or credits the difference. Whenever a reading arrives, everything charged equals the true use."""
    true_total = charged = estimated_since = Decimal(0)
    last_actual = Decimal(0)
    for has_reading, use, guess in months:
        true_total += use
        if has_reading:
            result = metering.billed(true_total - last_actual, estimated_since)
            charged += result.billed - result.credited
            last_actual, estimated_since = true_total, Decimal(0)
            assert charged == true_total
        else:
            charged += guess
            estimated_since += guess
