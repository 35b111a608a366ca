"""Additional charges (донарахування) for a closed window, DESIGN rules 6 and 11 (CMU 690; hot water CMU 1182).

A metered account with no accepted reading in the window is charged an estimate: for up to 3 consecutive
months without readings, its average daily consumption over the previous 12 months times the days of the
period; after that, or with no history, the norm per resident. The history is the account's and service's,
across meter replacements (core.metering holds the rules). When a real reading follows estimates, the
recalculation (перерахунок) bills the excess or credits the shortfall in the same billing file.
Aggregates run in SQL.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Select, and_, case, exists, func, or_, select, union
from sqlalchemy.orm import Session, aliased, sessionmaker

from core import audit, clock, metering
from core.clock import add_months
from core.errors import DomainError
from core.jobs import lock
from core.metering import MeterSpan
from core.register import norm_for, open_through, tariff_for
from db.models import Account, AdditionalCharge, Charge, Meter, Reading, ReadingWindow, Recalculation

THOUSANDTH = Decimal("0.001")
MILLIONTH = Decimal("0.000001")
CENT = Decimal("0.01")
MEASURED = ("actual", "corrected")


def default_tariff(session: Session, period: dt.date) -> Decimal:
    """The hot-water tariff when the account has no hot-water charge on file: the register's tariff for the
    period, else the setting (core.register)."""
    tariff = tariff_for(session, "hot_water", period)
    assert tariff is not None  # hot water always has the setting to fall back to
    return tariff


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
    quality: str = "estimated"


@dataclass(frozen=True)
class RecalculationLine:
    """A real reading after estimates: volume = consumption since the last actual reading − what was estimated
    (positive: billed, negative: credited back). A reversal undoes the recalculation of a reading later corrected."""

    account_id: int
    account_number: str
    address: str
    street: str
    meter_id: int
    meter_serial: str
    reading_id: int
    period: dt.date  # the window of the reading
    kind: str  # "recalculation" or "reversal"
    quality: str  # of the reading: "actual" or "corrected"
    estimated_volume: Decimal
    actual_volume: Decimal
    volume: Decimal
    tariff: Decimal
    amount: Decimal
    rule: str = "recalculation"


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


def _tariff(account_id, period: dt.date):
    """The account's latest hot-water tariff of the last three months, as a scalar subquery."""
    return (
        select(Charge.tariff)
        .where(Charge.account_id == account_id, Charge.service == "hot_water",
               Charge.month >= add_months(period, -3), Charge.month <= period)
        .order_by(Charge.month.desc()).limit(1)
        .scalar_subquery()
    )


def meter_spans(meters, cutoff, until):
    """Per meter among `meters` (a SELECT of ids), its standing real readings before `until` aggregated in SQL:
    the first and last since `cutoff` (12 months back), the last before it, the last reading's window. Shared by
    the window's estimates and a submission's history, so both average the same readings."""
    recent = Reading.submitted_at >= cutoff
    older = Reading.submitted_at < cutoff
    return (
        select(Reading.meter_id.label("meter_id"),
               func.min(case((recent, Reading.submitted_at))).label("first_at"),
               func.min(case((recent, Reading.value))).label("first_value"),
               func.max(case((recent, Reading.submitted_at))).label("last_at"),
               func.max(case((recent, Reading.value))).label("last_value"),
               func.max(case((older, Reading.submitted_at))).label("before_at"),
               func.max(case((older, Reading.value))).label("before_value"),
               func.max(ReadingWindow.period).label("last_period"))
        .outerjoin(ReadingWindow, ReadingWindow.id == Reading.window_id)
        .where(Reading.meter_id.in_(meters), Reading.status == "accepted",
               or_(*(Reading.quality == quality for quality in MEASURED)),  # plain binds: the statement is reused
               Reading.submitted_at < until)
        .group_by(Reading.meter_id).subquery("spans")
    )


def account_spans(session: Session, accounts, until: dt.datetime) -> dict[int, list[MeterSpan]]:
    """Per account, its hot-water meters (removed ones too) with their readings before `until`, aggregated in SQL
    per meter: the first and last within the 12 months, the last before them, the last reading's window."""
    meters = select(Meter.id).where(Meter.account_id.in_(accounts), Meter.service == "hot_water")
    spans = meter_spans(meters, until - dt.timedelta(days=365), until)
    rows = session.execute(
        select(Meter.account_id, Meter.installed_on, Meter.initial_value, spans.c.first_at, spans.c.first_value,
               spans.c.last_at, spans.c.last_value, spans.c.before_at, spans.c.before_value, spans.c.last_period)
        .outerjoin(spans, spans.c.meter_id == Meter.id)
        .where(Meter.account_id.in_(accounts), Meter.service == "hot_water",
               Meter.installed_on < until.astimezone(clock.KYIV).date())
    )
    history: dict[int, list[MeterSpan]] = defaultdict(list)
    for account_id, *span in rows:
        history[account_id].append(MeterSpan(*span))
    return history


def estimate(
    session: Session, window: ReadingWindow, meter_ids: list[int] | Select | None = None
) -> list[AdditionalChargeLine]:
    """The additional-charge lines for a window (optionally only some meters), not yet stored."""
    condition = _metered_without_reading(window)
    if meter_ids is not None:
        condition = and_(condition, Meter.id.in_(meter_ids))
    # The anti-join that finds the missing meters runs once; their accounts' histories are read in one more query.
    missing = (
        select(Meter.id.label("meter_id"), Meter.serial, Account.id.label("account_id"), Account.number,
               Account.address, Account.street, Account.residents)
        .join(Account, Account.id == Meter.account_id)
        .where(condition)
        .cte("missing")
    )
    rows = session.execute(
        select(missing, _tariff(missing.c.account_id, window.period).label("tariff"))
        .order_by(missing.c.street, missing.c.number)
    ).all()
    if not rows:
        return []
    history = account_spans(session, select(missing.c.account_id), window.opens_at)
    default = default_tariff(session, window.period)
    norm = norm_for(session, "hot_water", window.period)
    lines = []
    for meter_id, serial, account_id, number, address, street, residents, tariff in rows:
        line = metering.estimate(history.get(account_id, []), window.period, residents, until=window.opens_at,
                                 norm=norm)
        tariff = default if tariff is None else tariff
        lines.append(AdditionalChargeLine(
            account_id, number, address, street, meter_id, serial, residents, line.months_without, line.rule,
            line.average_daily, line.days, line.volume, tariff, (line.volume * tariff).quantize(CENT, ROUND_HALF_UP),
            line.quality,
        ))
    return lines


def _pending_recalculations(session: Session, window: ReadingWindow) -> list[RecalculationLine]:
    """What processing the window would add to its billing file besides the estimates: a recalculation for every
    standing reading of this or an earlier processed window that follows estimates and has none yet, and a reversal
    for every recalculation whose reading no longer stands (a staff correction replaced it)."""
    this_window = aliased(ReadingWindow, name="reading_window")
    earlier = aliased(Reading, name="earlier")
    earlier_window = aliased(ReadingWindow, name="earlier_window")
    estimate_window = aliased(ReadingWindow, name="estimate_window")
    previous_period = (
        select(func.max(earlier_window.period))
        .select_from(earlier).join(earlier_window, earlier_window.id == earlier.window_id)
        .where(earlier.meter_id == Reading.meter_id, earlier.status == "accepted",
               earlier_window.period < this_window.period)
        .correlate(Reading, this_window)  # from the outermost query, two levels up
        .scalar_subquery()
    )
    previous_value = (
        select(earlier.value)
        .select_from(earlier).join(earlier_window, earlier_window.id == earlier.window_id)
        .where(earlier.meter_id == Reading.meter_id, earlier.status == "accepted",
               earlier_window.period < this_window.period)
        .order_by(earlier_window.period.desc()).limit(1)
        .scalar_subquery()
    )
    estimated = (
        select(func.sum(AdditionalCharge.volume))
        .join(estimate_window, estimate_window.id == AdditionalCharge.window_id)
        .where(AdditionalCharge.meter_id == Reading.meter_id, estimate_window.period <= this_window.period,
               or_(previous_period.is_(None), estimate_window.period > previous_period))
        .scalar_subquery()
    )
    # Besides the window's own readings, only two kinds of reading in a window processed before can still need a
    # recalculation, and both are found through small tables by index, not by scanning every reading: one that arrived
    # late (the window then charged its meter an estimate), and one that replaced a reading already recalculated (a
    # staff correction, a later-dated import).
    replaced = aliased(Reading, name="replaced")
    processed = aliased(ReadingWindow, name="processed")
    candidates = union(
        select(Reading.id).where(Reading.window_id == window.id, Reading.status == "accepted"),
        select(Reading.id)
        .join(AdditionalCharge, and_(AdditionalCharge.window_id == Reading.window_id,
                                     AdditionalCharge.meter_id == Reading.meter_id))
        .join(processed, processed.id == Reading.window_id)
        .where(Reading.status == "accepted", processed.processed_at.is_not(None), processed.period <= window.period),
        select(Reading.id)
        .select_from(Recalculation)
        .join(replaced, replaced.id == Recalculation.reading_id)
        .join(Reading, and_(Reading.window_id == replaced.window_id, Reading.meter_id == Recalculation.meter_id))
        .where(Recalculation.kind == "recalculation", replaced.status != "accepted", Reading.status == "accepted"),
    )
    rows = session.execute(
        select(Reading.id, Reading.meter_id, Reading.value, Reading.quality, this_window.period,
               func.coalesce(previous_value, Meter.initial_value).label("previous"), estimated.label("estimated"),
               Meter.serial, Account.id, Account.number, Account.address, Account.street,
               _tariff(Account.id, window.period).label("tariff"))
        .join(this_window, this_window.id == Reading.window_id)
        .join(Meter, Meter.id == Reading.meter_id).join(Account, Account.id == Meter.account_id)
        .where(Reading.id.in_(candidates), this_window.period <= window.period,
               ~exists().where(Recalculation.reading_id == Reading.id, Recalculation.kind == "recalculation"))
        .order_by(Account.street, Account.number, this_window.period)
    ).all()
    default = default_tariff(session, window.period)
    lines = []
    for reading_id, meter_id, value, quality, period, previous, estimated_volume, serial, account_id, number, \
            address, street, tariff in rows:
        if not estimated_volume:
            continue
        consumption = value - previous
        settled = metering.billed(consumption, estimated_volume)
        tariff = default if tariff is None else tariff
        lines.append(RecalculationLine(
            account_id, number, address, street, meter_id, serial, reading_id, period, "recalculation", quality,
            estimated_volume, consumption, settled.difference, tariff,
            (settled.difference * tariff).quantize(CENT, ROUND_HALF_UP)))
    reversal = aliased(Recalculation, name="reversal")
    undone = session.execute(
        select(Recalculation, Meter.serial, Account.number, Account.address, Account.street, ReadingWindow.period)
        .join(Reading, Reading.id == Recalculation.reading_id)
        .join(ReadingWindow, ReadingWindow.id == Reading.window_id)
        .join(Meter, Meter.id == Recalculation.meter_id).join(Account, Account.id == Recalculation.account_id)
        .where(Recalculation.kind == "recalculation", Reading.status != "accepted",
               ~exists().where(reversal.reading_id == Reading.id, reversal.kind == "reversal"))
    ).all()
    for row, serial, number, address, street, period in undone:
        lines.append(RecalculationLine(
            row.account_id, number, address, street, row.meter_id, serial, row.reading_id, period, "reversal",
            row.quality, -row.estimated_volume, -row.actual_volume, -row.volume, row.tariff, -row.amount))
    return lines


def recalculation_list(sessions: sessionmaker[Session], window_id: int) -> list[RecalculationLine]:
    """Stored recalculation lines of a processed window; what processing it would add otherwise."""
    with sessions() as session:
        window = _window(session, window_id)
        if window.processed_at is None:
            return _pending_recalculations(session, window)
        return [
            RecalculationLine(r.account_id, number, address, street, r.meter_id, serial, r.reading_id, period, r.kind,
                              r.quality, r.estimated_volume, r.actual_volume, r.volume, r.tariff, r.amount)
            for r, serial, number, address, street, period in session.execute(
                select(Recalculation, Meter.serial, Account.number, Account.address, Account.street,
                       ReadingWindow.period)
                .join(Reading, Reading.id == Recalculation.reading_id)
                .join(ReadingWindow, ReadingWindow.id == Reading.window_id)
                .join(Meter, Meter.id == Recalculation.meter_id).join(Account, Account.id == Recalculation.account_id)
                .where(Recalculation.window_id == window_id)
                .order_by(Account.street, Account.number, Recalculation.id))
        ]


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
        recalculations = _pending_recalculations(session, window)
        lines = estimate(session, window)
        session.add_all(
            AdditionalCharge(window_id=window.id, account_id=line.account_id, meter_id=line.meter_id, rule=line.rule,
                             volume=line.volume, tariff=line.tariff, amount=line.amount, created_at=now)
            for line in lines
        )
        session.add_all(
            Recalculation(window_id=window.id, account_id=r.account_id, meter_id=r.meter_id, reading_id=r.reading_id,
                          kind=r.kind, quality=r.quality, estimated_volume=r.estimated_volume,
                          actual_volume=r.actual_volume, volume=r.volume, tariff=r.tariff, amount=r.amount,
                          created_at=now)
            for r in recalculations
        )
        window.processed_at, window.processed_by = now, actor
        audit.record(session, at=now, actor_type="staff", actor=actor, action="window.processed",
                     entity="reading_window", entity_id=window.period.isoformat(), lines=len(lines),
                     volume=str(sum((line.volume for line in lines), Decimal(0))),
                     amount=str(sum((line.amount for line in lines), Decimal(0))),
                     recalculations=len(recalculations),
                     recalculated_volume=str(sum((r.volume for r in recalculations), Decimal(0))),
                     recalculated_amount=str(sum((r.amount for r in recalculations), Decimal(0))))
        return len(lines)
