"""The pure rules of readings and estimates (DESIGN rules 6, 10, 11): no database here, so each rule is a function
that property tests can drive with any history. core.readings and core.additional_charges feed them from SQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from core.clock import days_in_month, kyiv_midnight
from core.config import AVERAGE_RULE_MAX_MONTHS, settings

ZERO = Decimal("0.000")
THOUSANDTH = Decimal("0.001")
MILLIONTH = Decimal("0.000001")
SECONDS_PER_DAY = Decimal(86400)
AVERAGE_MONTH_DAYS = Decimal("30.4375")
MIN_SPAN_DAYS = 20  # two readings closer than this say little about a month's use
QUALITIES = ("actual", "estimated", "corrected")


def days_between(earlier: dt.datetime, later: dt.datetime) -> Decimal:
    return Decimal((later - earlier).total_seconds()) / SECONDS_PER_DAY


def months_between(earlier: dt.date, later: dt.date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def norm_per_resident(period: dt.date) -> Decimal:
    """The hot-water norm per resident for a billing month (one place, so a norm per period can replace it)."""
    return settings().hot_water_norm


# --- which reading stands in a window (rule 10) ------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A reading competing to stand in a window."""

    read_at: dt.datetime
    own: bool  # sent by the consumer through the cabinet
    corrected: bool  # a staff correction of the reading taken at read_at
    order: int  # arrival order (row id): only a full tie goes to the later arrival


def standing_rank(candidate: Candidate) -> tuple[Any, ...]:
    """The latest reading date stands; on a tie a staff correction, then the consumer's own, then the later arrival."""
    return candidate.read_at, candidate.corrected, candidate.own, candidate.order


def standing(candidates: list[Candidate]) -> Candidate:
    return max(candidates, key=standing_rank)


def order_problem(value: Decimal, before: Decimal | None, after: Decimal | None) -> str | None:
    """A cumulative meter never runs backwards: the value lies between the readings before and after its date."""
    if before is not None and value < before:
        return "reading.below_previous"
    if after is not None and value > after:
        return "reading.above_next"
    return None


# --- implausible consumption (rule 6, judged per day elapsed: rule 10) ----------------------------------------------


def jump_limit(average_daily: Decimal | None, days: Decimal) -> Decimal:
    """The most a meter may plausibly advance over `days`: per day TEPLO_JUMP_FACTOR × the account's average daily
    use, never less than TEPLO_JUMP_FLOOR_M3 a month; a gap shorter than a month is judged as a month."""
    configured = settings()
    per_day = configured.jump_floor_m3 / AVERAGE_MONTH_DAYS
    if average_daily is not None:
        per_day = max(per_day, average_daily * configured.jump_factor)
    return per_day * max(days, AVERAGE_MONTH_DAYS)


def is_jump(consumption: Decimal, average_daily: Decimal | None, days: Decimal) -> bool:
    return consumption > jump_limit(average_daily, days)


# --- the account's history and the estimate (rules 6, 10) ----------------------------------------------------------


@dataclass(frozen=True)
class MeterSpan:
    """One meter of the account and service, as the 12-month average sees it: its installation reading, the first
    and last actual readings within the 12 months, and the last one before them."""

    installed_on: dt.date
    initial_value: Decimal
    first_at: dt.datetime | None = None
    first_value: Decimal | None = None
    last_at: dt.datetime | None = None
    last_value: Decimal | None = None
    before_at: dt.datetime | None = None
    before_value: Decimal | None = None
    last_period: dt.date | None = None  # the window of the meter's last actual reading


def _span(meter: MeterSpan, cutoff: dt.datetime, until: dt.datetime) -> tuple[Decimal, Decimal] | None:
    """(volume, days) this meter measured: within the 12 months when that covers MIN_SPAN_DAYS, else from the last
    point before them (a reading or the installation) to the last reading."""
    installed = kyiv_midnight(meter.installed_on)
    points_in_year = [
        (at, v) for at, v in ((meter.first_at, meter.first_value), (meter.last_at, meter.last_value)) if at is not None
    ]
    if cutoff <= installed < until:
        points_in_year.append((installed, meter.initial_value))
    if not points_in_year:
        return None
    first, last = min(points_in_year), max(points_in_year)
    if days_between(first[0], last[0]) < MIN_SPAN_DAYS:
        earlier = [(at, v) for at, v in ((meter.before_at, meter.before_value),) if at is not None]
        if installed < cutoff:
            earlier.append((installed, meter.initial_value))
        if earlier:
            first = max(earlier)
    days = days_between(first[0], last[0])
    if days <= 0:
        return None
    # Each point's value is there: a reading's date comes with its value, an installation with its initial value.
    return cast(Decimal, last[1]) - cast(Decimal, first[1]), days


def average_daily(history: list[MeterSpan], until: dt.datetime) -> Decimal | None:
    """The account's average daily use over the 12 months before `until`, across its meters of the service."""
    cutoff = until - dt.timedelta(days=365)
    volume, days = Decimal(0), Decimal(0)
    for meter in history:
        span = _span(meter, cutoff, until)
        if span is not None:
            volume += span[0]
            days += span[1]
    if days < MIN_SPAN_DAYS:
        return None
    return (volume / days).quantize(MILLIONTH, ROUND_HALF_UP)


@dataclass(frozen=True)
class Estimate:
    rule: str  # "average" or "norm"
    months_without: int | None  # None: no actual reading ever
    average_daily: Decimal | None
    days: int
    volume: Decimal
    quality: str = "estimated"


def estimate(
    history: list[MeterSpan], period: dt.date, residents: int, until: dt.datetime, norm: Decimal | None = None
) -> Estimate:
    """CMU 690 / 1182: up to AVERAGE_RULE_MAX_MONTHS months without readings, the average daily use over the previous
    12 months × the days of the period; after that, or with no history, the norm per resident (`norm`: the
    register's for the period, else the setting)."""
    periods = [m.last_period for m in history if m.last_period is not None]
    months_without = months_between(max(periods), period) if periods else None
    average = average_daily(history, until)
    days = days_in_month(period)
    if months_without is not None and months_without <= AVERAGE_RULE_MAX_MONTHS and average is not None:
        return Estimate("average", months_without, average, days, (average * days).quantize(THOUSANDTH, ROUND_HALF_UP))
    volume = ((norm_per_resident(period) if norm is None else norm) * max(residents, 1)).quantize(
        THOUSANDTH, ROUND_HALF_UP
    )
    return Estimate("norm", months_without, average, days, volume)


# --- recalculation (перерахунок, rule 11) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Billed:
    billed: Decimal  # volume billed beyond what the estimates already charged
    credited: Decimal  # volume charged by estimate but not used: credited back

    @property
    def difference(self) -> Decimal:
        """Signed: what the recalculation adds to (positive) or takes off (negative) the estimates."""
        return self.billed - self.credited


def billed(consumption: Decimal, estimated: Decimal) -> Billed:
    """A real reading after estimates: the consumption since the last actual reading against what was estimated."""
    if consumption >= estimated:
        return Billed(consumption - estimated, ZERO)
    return Billed(ZERO, estimated - consumption)
