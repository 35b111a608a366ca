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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

from sqlalchemy import and_, exists, func, or_, select, union
from sqlalchemy.orm import Session, aliased, sessionmaker

from core import audit, clock, export, metering
from core.errors import DomainError
from core.estimates import CENT, AdditionalChargeLine, MeterLine, _tariff, default_tariff, estimate
from core.jobs import lock
from db.models import Account, AdditionalCharge, Meter, Reading, ReadingWindow, Recalculation


@dataclass(frozen=True)
class RecalculationLine(MeterLine):
    """A real reading after estimates: volume = consumption since the last actual reading − what was estimated
    (positive: billed, negative: credited back). A reversal undoes the recalculation of a reading later corrected."""

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
        .select_from(earlier)
        .join(earlier_window, earlier_window.id == earlier.window_id)
        .where(
            earlier.meter_id == Reading.meter_id,
            earlier.status == "accepted",
            earlier_window.period < this_window.period,
        )
        .correlate(Reading, this_window)  # from the outermost query, two levels up
        .scalar_subquery()
    )
    previous_value = (
        select(earlier.value)
        .select_from(earlier)
        .join(earlier_window, earlier_window.id == earlier.window_id)
        .where(
            earlier.meter_id == Reading.meter_id,
            earlier.status == "accepted",
            earlier_window.period < this_window.period,
        )
        .order_by(earlier_window.period.desc())
        .limit(1)
        .scalar_subquery()
    )
    estimated = (
        select(func.sum(AdditionalCharge.volume))
        .join(estimate_window, estimate_window.id == AdditionalCharge.window_id)
        .where(
            AdditionalCharge.meter_id == Reading.meter_id,
            estimate_window.period <= this_window.period,
            or_(previous_period.is_(None), estimate_window.period > previous_period),
        )
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
        .join(
            AdditionalCharge,
            and_(AdditionalCharge.window_id == Reading.window_id, AdditionalCharge.meter_id == Reading.meter_id),
        )
        .join(processed, processed.id == Reading.window_id)
        .where(Reading.status == "accepted", processed.processed_at.is_not(None), processed.period <= window.period),
        select(Reading.id)
        .select_from(Recalculation)
        .join(replaced, replaced.id == Recalculation.reading_id)
        .join(Reading, and_(Reading.window_id == replaced.window_id, Reading.meter_id == Recalculation.meter_id))
        .where(Recalculation.kind == "recalculation", replaced.status != "accepted", Reading.status == "accepted"),
    )
    rows = session.execute(
        select(
            Reading.id,
            Reading.meter_id,
            Reading.value,
            Reading.quality,
            this_window.period,
            func.coalesce(previous_value, Meter.initial_value).label("previous"),
            estimated.label("estimated"),
            Meter.serial,
            Account.id,
            Account.number,
            Account.address,
            Account.street,
            _tariff(Account.id, window.period).label("tariff"),
        )
        .join(this_window, this_window.id == Reading.window_id)
        .join(Meter, Meter.id == Reading.meter_id)
        .join(Account, Account.id == Meter.account_id)
        .where(
            Reading.id.in_(candidates),
            this_window.period <= window.period,
            ~exists().where(Recalculation.reading_id == Reading.id, Recalculation.kind == "recalculation"),
        )
        .order_by(Account.street, Account.number, this_window.period)
    ).all()
    default = default_tariff(session, window.period)
    lines = []
    for (
        reading_id,
        meter_id,
        value,
        quality,
        period,
        previous,
        estimated_volume,
        serial,
        account_id,
        number,
        address,
        street,
        tariff,
    ) in rows:
        if not estimated_volume:
            continue
        consumption = value - previous
        settled = metering.billed(consumption, estimated_volume)
        tariff = default if tariff is None else tariff
        lines.append(
            RecalculationLine(
                account_id,
                number,
                address,
                street,
                meter_id,
                serial,
                reading_id,
                period,
                "recalculation",
                quality,
                estimated_volume,
                consumption,
                settled.difference,
                tariff,
                (settled.difference * tariff).quantize(CENT, ROUND_HALF_UP),
            )
        )
    reversal = aliased(Recalculation, name="reversal")
    undone = session.execute(
        select(Recalculation, Meter.serial, Account.number, Account.address, Account.street, ReadingWindow.period)
        .join(Reading, Reading.id == Recalculation.reading_id)
        .join(ReadingWindow, ReadingWindow.id == Reading.window_id)
        .join(Meter, Meter.id == Recalculation.meter_id)
        .join(Account, Account.id == Recalculation.account_id)
        .where(
            Recalculation.kind == "recalculation",
            Reading.status != "accepted",
            ~exists().where(reversal.reading_id == Reading.id, reversal.kind == "reversal"),
        )
    ).all()
    for row, serial, number, address, street, period in undone:
        lines.append(
            RecalculationLine(
                row.account_id,
                number,
                address,
                street,
                row.meter_id,
                serial,
                row.reading_id,
                period,
                "reversal",
                row.quality,
                -row.estimated_volume,
                -row.actual_volume,
                -row.volume,
                row.tariff,
                -row.amount,
            )
        )
    return lines


def _stored_recalculations(session: Session, window: ReadingWindow) -> list[RecalculationLine]:
    return [
        RecalculationLine(
            r.account_id,
            number,
            address,
            street,
            r.meter_id,
            serial,
            r.reading_id,
            period,
            r.kind,
            r.quality,
            r.estimated_volume,
            r.actual_volume,
            r.volume,
            r.tariff,
            r.amount,
        )
        for r, serial, number, address, street, period in session.execute(
            select(Recalculation, Meter.serial, Account.number, Account.address, Account.street, ReadingWindow.period)
            .join(Reading, Reading.id == Recalculation.reading_id)
            .join(ReadingWindow, ReadingWindow.id == Reading.window_id)
            .join(Meter, Meter.id == Recalculation.meter_id)
            .join(Account, Account.id == Recalculation.account_id)
            .where(Recalculation.window_id == window.id)
            .order_by(Account.street, Account.number, Recalculation.id)
        )
    ]


def recalculation_list(sessions: sessionmaker[Session], window_id: int) -> list[RecalculationLine]:
    """Stored recalculation lines of a processed window; what processing it would add otherwise."""
    return _stored_or_pending(sessions, window_id, _stored_recalculations, _pending_recalculations)


def _window(session: Session, window_id: int) -> ReadingWindow:
    window = session.get(ReadingWindow, window_id)
    if window is None:
        raise DomainError("window.unknown")
    return window


_Line = TypeVar("_Line")


def _stored_or_pending(
    sessions: sessionmaker[Session],
    window_id: int,
    stored: Callable[[Session, ReadingWindow], list[_Line]],
    pending: Callable[[Session, ReadingWindow], list[_Line]],
) -> list[_Line]:
    """`stored(session, window)` for a processed window, `pending(session, window)` for one not processed yet."""
    with sessions() as session:
        window = _window(session, window_id)
        return (pending if window.processed_at is None else stored)(session, window)


def _stored_additional_charges(session: Session, window: ReadingWindow) -> list[AdditionalChargeLine]:
    processed = select(AdditionalCharge.meter_id).where(AdditionalCharge.window_id == window.id)
    stored = {
        row.meter_id: row
        for row in session.execute(
            select(
                AdditionalCharge.meter_id, AdditionalCharge.volume, AdditionalCharge.amount, AdditionalCharge.rule
            ).where(AdditionalCharge.window_id == window.id)
        )
    }
    return [
        dataclasses.replace(
            line,
            volume=stored[line.meter_id].volume,
            amount=stored[line.meter_id].amount,
            rule=stored[line.meter_id].rule,
        )
        for line in estimate(session, window, processed)
    ]


def additional_charge_list(sessions: sessionmaker[Session], window_id: int) -> list[AdditionalChargeLine]:
    """Stored lines for a processed window; the live estimate otherwise."""
    return _stored_or_pending(sessions, window_id, _stored_additional_charges, estimate)


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
            AdditionalCharge(
                window_id=window.id,
                account_id=line.account_id,
                meter_id=line.meter_id,
                rule=line.rule,
                volume=line.volume,
                tariff=line.tariff,
                amount=line.amount,
                created_at=now,
            )
            for line in lines
        )
        session.add_all(
            Recalculation(
                window_id=window.id,
                account_id=r.account_id,
                meter_id=r.meter_id,
                reading_id=r.reading_id,
                kind=r.kind,
                quality=r.quality,
                estimated_volume=r.estimated_volume,
                actual_volume=r.actual_volume,
                volume=r.volume,
                tariff=r.tariff,
                amount=r.amount,
                created_at=now,
            )
            for r in recalculations
        )
        window.processed_at, window.processed_by = now, actor
        audit.record(
            session,
            at=now,
            actor_type="staff",
            actor=actor,
            action="window.processed",
            entity="reading_window",
            entity_id=window.period.isoformat(),
            lines=len(lines),
            volume=str(sum((line.volume for line in lines), Decimal(0))),
            amount=str(sum((line.amount for line in lines), Decimal(0))),
            recalculations=len(recalculations),
            recalculated_volume=str(sum((r.volume for r in recalculations), Decimal(0))),
            recalculated_amount=str(sum((r.amount for r in recalculations), Decimal(0))),
        )
        return len(lines)


# --- readings under review, summaries, the billing file ---------------------------------------------------


@dataclass(frozen=True)
class FlaggedReading:
    account_number: str
    address: str
    street: str
    meter_serial: str
    value: Decimal
    consumption: Decimal
    submitted_at: dt.datetime
    channel: str
    reason: str | None


def flagged_readings(sessions: sessionmaker[Session], window_id: int) -> list[FlaggedReading]:
    """Accepted readings of the window flagged for review (an implausible jump the consumer confirmed)."""
    with sessions() as session:
        rows = session.execute(
            select(
                Account.number,
                Account.address,
                Account.street,
                Meter.serial,
                Reading.value,
                Reading.consumption,
                Reading.submitted_at,
                Reading.channel,
                Reading.flag_reason,
            )
            .join(Meter, Meter.id == Reading.meter_id)
            .join(Account, Account.id == Meter.account_id)
            .where(Reading.window_id == window_id, Reading.status == "accepted", Reading.flagged.is_(True))
            .order_by(Account.street, Account.number)
        )
        return [FlaggedReading(*row) for row in rows]


def count_by_street_and_reason(
    lines: Iterable[AdditionalChargeLine], flagged: Iterable[FlaggedReading]
) -> dict[str, dict[str, int]]:
    """street -> {"average"/"norm"/"flagged": accounts}, from the window's additional-charge lines and flags."""
    table: dict[str, dict[str, int]] = {}
    for line in lines:
        table.setdefault(line.street, {}).setdefault(line.rule, 0)
        table[line.street][line.rule] += 1
    for reading in flagged:
        table.setdefault(reading.street, {}).setdefault("flagged", 0)
        table[reading.street]["flagged"] += 1
    return dict(sorted(table.items(), key=lambda item: -sum(item[1].values())))


BILLING_HEADER = ("account_number", "service", "period", "volume_m3", "tariff", "amount", "rule", "quality")


def _comma(value: Decimal, places: int) -> str:
    return f"{Decimal(value).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP):f}".replace(".", ",")


def _tariff_text(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    places = max(2, len(text.split(".")[1]) if "." in text else 0)
    return _comma(value, places)


def billing_csv(lines: Sequence[AdditionalChargeLine | RecalculationLine], period: dt.date) -> bytes:
    """The additional charges as the billing system takes them: `;`-separated, UTF-8 with BOM, decimal comma,
    CRLF; columns account_number; service; period (YYYY-MM); volume_m3 (3 decimals); tariff; amount (2 decimals);
    rule (average or norm for an estimate; recalculation for a real reading after estimates, negative when it
    credits back); quality (estimated; actual or corrected for the reading a recalculation follows). Written by
    core.export, like every download (no cell can become a formula)."""
    rows = [
        (
            line.account_number,
            "hot_water",
            f"{period:%Y-%m}",
            export.Number(_comma(line.volume, 3)),
            export.Number(_tariff_text(line.tariff)),
            export.Number(_comma(line.amount, 2)),
            line.rule,
            line.quality,
        )
        for line in lines
    ]
    return export.csv_bytes(BILLING_HEADER, rows)
