"""Estimates for a closed window (DESIGN rules 6 and 11): which metered accounts have no accepted reading, their
readings' history aggregated in SQL per meter, and the volume and amount core.metering's rules give them.
Shared by the additional charges (core.additional_charges) and a submission's history (core.readings).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    Select,
    SQLColumnExpression,
    Subquery,
    and_,
    case,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from core import clock, metering
from core.clock import add_months
from core.metering import MeterSpan
from core.register import metered_condition, norm_for, tariff_for
from db.models import Account, Charge, Meter, Reading, ReadingWindow

CENT = Decimal("0.01")
MEASURED = ("actual", "corrected")


def default_tariff(session: Session, period: dt.date) -> Decimal:
    """The hot-water tariff when the account has no hot-water charge on file: the register's tariff for the
    period, else the setting (core.register)."""
    tariff = tariff_for(session, "hot_water", period)
    assert tariff is not None  # hot water always has the setting to fall back to
    return tariff


@dataclass(frozen=True, slots=True)  # slots: a city's window lists 136,000 lines, held in the dashboard's memory
class MeterLine:
    """What every line of a window's billing file names first: the account and its meter."""

    account_id: int
    account_number: str
    address: str
    street: str
    meter_id: int
    meter_serial: str


@dataclass(frozen=True, slots=True)
class AdditionalChargeLine(MeterLine):
    residents: int
    months_without: int | None  # None: no accepted reading ever
    rule: str  # "average" or "norm"
    average_daily: Decimal | None
    days: int
    volume: Decimal
    tariff: Decimal
    amount: Decimal
    quality: str = "estimated"


def _metered_without_reading(window: ReadingWindow) -> ColumnElement[bool]:
    has_reading = exists().where(
        Reading.meter_id == Meter.id, Reading.window_id == window.id, Reading.status == "accepted"
    )
    return and_(metered_condition(window.period), ~has_reading)


def _tariff(account_id: SQLColumnExpression[int], period: dt.date) -> ScalarSelect[Decimal]:
    """The account's latest hot-water tariff of the last three months, as a scalar subquery."""
    return (
        select(Charge.tariff)
        .where(
            Charge.account_id == account_id,
            Charge.service == "hot_water",
            Charge.month >= add_months(period, -3),
            Charge.month <= period,
        )
        .order_by(Charge.month.desc())
        .limit(1)
        .scalar_subquery()
    )


def meter_spans(
    meters: Select[tuple[int]],
    cutoff: dt.datetime | ColumnElement[dt.datetime],
    until: dt.datetime | ColumnElement[dt.datetime],
) -> Subquery:
    """Per meter among `meters` (a SELECT of ids), its standing real readings before `until`: the first and last
    since `cutoff` (12 months back) aggregated in SQL, the last one before it, the last reading's window. Only the
    12 months are read, and one reading before them (an index seek per meter), never the whole history: values
    and windows only grow with the reading's date (core.metering.order_problem, windows follow each other), so
    the last reading before the cutoff has the largest value and window of those before it. Shared by the
    window's estimates and a submission's history, so both average the same readings."""
    measured = (Reading.status == "accepted", or_(*(Reading.quality == quality for quality in MEASURED)))
    recent = (
        select(
            Reading.meter_id.label("meter_id"),
            func.min(Reading.submitted_at).label("first_at"),
            func.min(Reading.value).label("first_value"),
            func.max(Reading.submitted_at).label("last_at"),
            func.max(Reading.value).label("last_value"),
            func.max(ReadingWindow.period).label("last_period"),
        )
        .outerjoin(ReadingWindow, ReadingWindow.id == Reading.window_id)
        .where(Reading.meter_id.in_(meters), *measured, Reading.submitted_at >= cutoff, Reading.submitted_at < until)
        .group_by(Reading.meter_id)
        .subquery("recent")
    )
    last_before = (
        select(Reading.id)
        .where(Reading.meter_id == Meter.id, *measured, Reading.submitted_at < cutoff)
        .order_by(Reading.submitted_at.desc(), Reading.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    # OFFSET 0 keeps this a subquery of its own (PostgreSQL does not pull one with an OFFSET up into the query): the
    # look-up then runs once per meter, and the reading it finds is fetched by its key. Pulled up, it ran twice per
    # meter and the reading was joined by hashing every reading of the city (14.4 s for a window's 136,000 meters at
    # a million accounts, 6.8 s fenced).
    chosen = (
        select(Meter.id.label("meter_id"), last_before.label("before_id"))
        .where(Meter.id.in_(meters))
        .offset(0)
        .subquery()
    )
    before, before_window = aliased(Reading), aliased(ReadingWindow)
    newer, older = recent.c.last_period, before_window.period
    return (
        select(
            chosen.c.meter_id,
            recent.c.first_at,
            recent.c.first_value,
            recent.c.last_at,
            recent.c.last_value,
            before.submitted_at.label("before_at"),
            before.value.label("before_value"),
            case((older.is_(None), newer), (newer.is_(None), older), (newer > older, newer), else_=older).label(
                "last_period"
            ),
        )
        .outerjoin(recent, recent.c.meter_id == chosen.c.meter_id)
        .outerjoin(before, before.id == chosen.c.before_id)
        .outerjoin(before_window, before_window.id == before.window_id)
        # Tested on the joined reading, not on `before_id`: a second reference to the correlated look-up made
        # PostgreSQL run it for every meter before narrowing them down to the chosen ones (4× the work at 80,000).
        .where(or_(recent.c.meter_id.is_not(None), before.id.is_not(None)))
        .subquery("spans")
    )


def span_columns(spans: Subquery) -> list[Any]:
    """A MeterSpan's columns in its order: the meter's installation and initial value, then `spans`' figures
    (meter_spans) for it."""
    figures = [field.name for field in fields(MeterSpan)][2:]
    return [Meter.installed_on, Meter.initial_value, *(spans.c[name] for name in figures)]


def account_spans(session: Session, accounts: Select[tuple[int]], until: dt.datetime) -> dict[int, list[MeterSpan]]:
    """Per account, its hot-water meters (removed ones too) with their readings before `until`, aggregated in SQL
    per meter: the first and last within the 12 months, the last before them, the last reading's window."""
    meters = select(Meter.id).where(Meter.account_id.in_(accounts), Meter.service == "hot_water")
    spans = meter_spans(meters, until - dt.timedelta(days=365), until)
    rows = session.execute(
        select(
            Meter.account_id,
            *span_columns(spans),
        )
        .outerjoin(spans, spans.c.meter_id == Meter.id)
        .where(
            Meter.account_id.in_(accounts),
            Meter.service == "hot_water",
            Meter.installed_on < until.astimezone(clock.KYIV).date(),
        )
    )
    history: dict[int, list[MeterSpan]] = defaultdict(list)
    for account_id, *span in rows:
        history[account_id].append(MeterSpan(*span))
    return history


def estimate(
    session: Session, window: ReadingWindow, meter_ids: list[int] | Select[tuple[int]] | None = None
) -> list[AdditionalChargeLine]:
    """The additional-charge lines for a window (optionally only some meters), not yet stored."""
    condition = _metered_without_reading(window)
    if meter_ids is not None:
        condition = and_(condition, Meter.id.in_(meter_ids))
    # The anti-join that finds the missing meters runs once; their accounts' histories are read in one more query.
    missing = (
        select(
            Meter.id.label("meter_id"),
            Meter.serial,
            Account.id.label("account_id"),
            Account.number,
            Account.address,
            Account.street,
            Account.residents,
        )
        .join(Account, Account.id == Meter.account_id)
        .where(condition)
        .cte("missing")
    )
    rows = session.execute(
        select(missing, _tariff(missing.c.account_id, window.period).label("tariff")).order_by(
            missing.c.street, missing.c.number
        )
    ).all()
    if not rows:
        return []
    history = account_spans(session, select(missing.c.account_id), window.opens_at)
    default = default_tariff(session, window.period)
    norm = norm_for(session, "hot_water", window.period)
    lines = []
    # One object per repeated value of a column (`seen.setdefault(value, value)`): a city's list (136,000 lines)
    # stays in the dashboard's memory, and its streets, tariff and norm volumes repeat. A dict per column, as
    # equal Decimals of two columns may differ in places (1.00, 1.000).
    streets: dict[str, str] = {}
    tariffs: dict[Decimal, Decimal] = {}
    volumes: dict[Decimal, Decimal] = {}
    amounts: dict[Decimal, Decimal] = {}
    for meter_id, serial, account_id, number, address, street, residents, tariff in rows:
        line = metering.estimate(
            history.get(account_id, []), window.period, residents, until=window.opens_at, norm=norm
        )
        tariff = default if tariff is None else tariffs.setdefault(tariff, tariff)
        lines.append(
            AdditionalChargeLine(
                account_id,
                number,
                address,
                streets.setdefault(street, street),
                meter_id,
                serial,
                residents,
                line.months_without,
                line.rule,
                line.average_daily,
                line.days,
                volumes.setdefault(line.volume, line.volume),
                tariff,
                amounts.setdefault(amount := (line.volume * tariff).quantize(CENT, ROUND_HALF_UP), amount),
                line.quality,
            )
        )
    return lines
