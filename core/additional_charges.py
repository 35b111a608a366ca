"""Additional charges (донарахування) for a closed window, DESIGN rule 6 (CMU 690; hot water CMU 1182).

A metered account with no accepted reading in the window is charged an estimate: for up to 3 consecutive
months without readings, its average daily consumption over the previous 12 months times the days of the
period; after that, or with no history, the norm per resident. Aggregates run in SQL.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from core import audit, clock
from core.clock import add_months, days_in_month
from core.config import AVERAGE_RULE_MAX_MONTHS
from core.register import norm_for, open_through, tariff_for
from core.errors import DomainError
from core.jobs import lock
from db.models import Account, AdditionalCharge, Charge, Meter, Reading, ReadingWindow

THOUSANDTH = Decimal("0.001")
MILLIONTH = Decimal("0.000001")
CENT = Decimal("0.01")
SECONDS_PER_DAY = Decimal(86400)


@dataclass(frozen=True)
class AdditionalChargeLine:
    account_id: int
    account_number: str
    address: str
    street: str
    meter_id: int
    meter_serial: str
    residents: int
    months_without: int | None  # None: no accepted reading ever
    rule: str  # "average" or "norm"
    average_daily: Decimal | None
    days: int
    volume: Decimal
    tariff: Decimal
    amount: Decimal


def _months_between(earlier: dt.date, later: dt.date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def _metered_without_reading(window: ReadingWindow):
    period_end = add_months(window.period, 1)
    has_reading = exists().where(
        Reading.meter_id == Meter.id, Reading.window_id == window.id, Reading.status == "accepted"
    )
    return and_(
        Meter.service == "hot_water",
        Meter.installed_on < period_end,
        or_(Meter.removed_on.is_(None), Meter.removed_on >= period_end),
        Account.has_hot_water.is_(True),
        open_through(period_end),
        ~has_reading,
    )


def estimate(
    session: Session, window: ReadingWindow, meter_ids: list[int] | Select | None = None
) -> list[AdditionalChargeLine]:
    """The additional-charge lines for a window (optionally only some meters), not yet stored."""
    condition = _metered_without_reading(window)
    if meter_ids is not None:
        condition = and_(condition, Meter.id.in_(meter_ids))
    # One statement, like the hand-written SQL a DBA would write: the anti-join that finds the missing meters
    # runs once, and each missing meter's history and tariff are joined to it.
    missing = (
        select(Meter.id.label("meter_id"), Meter.serial, Account.id.label("account_id"), Account.number,
               Account.address, Account.street, Account.residents)
        .join(Account, Account.id == Meter.account_id)
        .where(condition)
        .cte("missing")
    )
    recent = Reading.submitted_at >= window.opens_at - dt.timedelta(days=365)
    history = (
        select(Reading.meter_id, func.max(ReadingWindow.period).label("last_period"),
               func.min(case((recent, Reading.submitted_at))).label("first_at"),
               func.max(case((recent, Reading.submitted_at))).label("last_at"),
               func.min(case((recent, Reading.value))).label("low"),
               func.max(case((recent, Reading.value))).label("high"))
        .join(missing, missing.c.meter_id == Reading.meter_id)
        .outerjoin(ReadingWindow, ReadingWindow.id == Reading.window_id)
        .where(Reading.status == "accepted", Reading.quality == "actual", Reading.submitted_at < window.opens_at)
        .group_by(Reading.meter_id)
        .subquery("history")
    )
    tariff = (
        select(Charge.tariff)
        .where(Charge.account_id == missing.c.account_id, Charge.service == "hot_water",
               Charge.month >= add_months(window.period, -3), Charge.month <= window.period)
        .order_by(Charge.month.desc()).limit(1)
        .scalar_subquery()
    )
    rows = session.execute(
        select(missing, history.c.last_period, history.c.first_at, history.c.last_at, history.c.low, history.c.high,
               tariff.label("tariff"))
        .outerjoin(history, history.c.meter_id == missing.c.meter_id)
        .order_by(missing.c.street, missing.c.number)
    ).all()
    days = days_in_month(window.period)
    norm, default_tariff = norm_for(session, "hot_water", window.period), tariff_for(session, "hot_water", window.period)
    lines = []
    for meter_id, serial, account_id, number, address, street, residents, last, first_at, last_at, low, high, tariff \
            in rows:
        months_without = _months_between(last, window.period) if last else None
        average_daily = None
        if first_at is not None:
            span_days = Decimal((last_at - first_at).total_seconds()) / SECONDS_PER_DAY
            if span_days >= 20:
                average_daily = ((high - low) / span_days).quantize(MILLIONTH, ROUND_HALF_UP)
        if months_without is not None and months_without <= AVERAGE_RULE_MAX_MONTHS and average_daily is not None:
            rule, volume = "average", (average_daily * days).quantize(THOUSANDTH, ROUND_HALF_UP)
        else:
            rule, volume = "norm", (norm * max(residents, 1)).quantize(THOUSANDTH, ROUND_HALF_UP)
        tariff = default_tariff if tariff is None else tariff
        lines.append(AdditionalChargeLine(
            account_id, number, address, street, meter_id, serial, residents, months_without, rule, average_daily,
            days, volume, tariff, (volume * tariff).quantize(CENT, ROUND_HALF_UP),
        ))
    return lines


def _window(session: Session, window_id: int) -> ReadingWindow:
    window = session.get(ReadingWindow, window_id)
    if window is None:
        raise DomainError("window.unknown")
    return window


def additional_charge_list(sessions: sessionmaker[Session], window_id: int) -> list[AdditionalChargeLine]:
    """Stored lines for a processed window; the live estimate otherwise."""
    with sessions() as session:
        window = _window(session, window_id)
        if window.processed_at is None:
            return estimate(session, window)
        processed = select(AdditionalCharge.meter_id).where(AdditionalCharge.window_id == window_id)
        stored = {row.meter_id: row for row in session.execute(
            select(AdditionalCharge.meter_id, AdditionalCharge.volume, AdditionalCharge.amount, AdditionalCharge.rule)
            .where(AdditionalCharge.window_id == window_id))}
        return [
            dataclasses.replace(line, volume=stored[line.meter_id].volume, amount=stored[line.meter_id].amount,
                                rule=stored[line.meter_id].rule)
            for line in estimate(session, window, processed)
        ]


def process_window(sessions: sessionmaker[Session], window_id: int, actor: str, now: dt.datetime | None = None) -> int:
    """Store the additional charges of a closed window and mark it processed; returns how many lines."""
    now = now or clock.now()
    with sessions.begin() as session:
        lock(session, "close-windows")  # a manager's click and the nightly job never process a window twice
        window = _window(session, window_id)
        if window.closes_at > now:
            raise DomainError("window.not_closed")
        if window.processed_at is not None:
            raise DomainError("window.already_processed")
        lines = estimate(session, window)
        session.add_all(
            AdditionalCharge(window_id=window.id, account_id=l.account_id, meter_id=l.meter_id, rule=l.rule,
                             volume=l.volume, tariff=l.tariff, amount=l.amount, created_at=now)
            for l in lines
        )
        window.processed_at, window.processed_by = now, actor
        audit.record(session, at=now, actor_type="staff", actor=actor, action="window.processed",
                     entity="reading_window", entity_id=window.period.isoformat(), lines=len(lines),
                     volume=str(sum((l.volume for l in lines), Decimal(0))),
                     amount=str(sum((l.amount for l in lines), Decimal(0))))
        return len(lines)
