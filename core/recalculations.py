"""Recalculations (перерахунок), DESIGN rule 11: when a real reading follows estimates, the consumption since the
last actual reading minus what was estimated is billed or credited in the window's billing file; a reading later
corrected has its recalculation reversed. What a window would add (pending) and what its processing stored."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, union
from sqlalchemy.orm import Session, aliased

from core import metering
from core.estimates import CENT, MeterLine, _tariff, default_tariff
from core.queries import with_meter_and_account
from db.models import Account, AdditionalCharge, Meter, Reading, ReadingWindow, Recalculation


@dataclass(frozen=True, slots=True)
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
    earlier_standing = [
        earlier.meter_id == Reading.meter_id,
        earlier.status == "accepted",
        earlier_window.period < this_window.period,
    ]
    previous_period = (
        select(func.max(earlier_window.period))
        .select_from(earlier)
        .join(earlier_window, earlier_window.id == earlier.window_id)
        .where(*earlier_standing)
        .correlate(Reading, this_window)  # from the outermost query, two levels up
        .scalar_subquery()
    )
    previous_value = (
        select(earlier.value)
        .select_from(earlier)
        .join(earlier_window, earlier_window.id == earlier.window_id)
        .where(*earlier_standing)
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
    charged_window = aliased(ReadingWindow, name="charged_window")
    charged_before = exists().where(
        AdditionalCharge.meter_id == Reading.meter_id,
        AdditionalCharge.window_id.in_(select(charged_window.id).where(charged_window.period <= window.period)),
    )
    candidates = union(
        # The window's readings whose meter was ever charged an estimate: no other can follow estimates, and a
        # city's window holds tens of thousands of readings that would each be looked back on.
        select(Reading.id).where(Reading.window_id == window.id, Reading.status == "accepted", charged_before),
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
    figures = select(
        Reading.id.label("reading_id"),
        Reading.meter_id,
        Reading.value,
        Reading.quality,
        this_window.period,
        func.coalesce(previous_value, Meter.initial_value).label("previous"),
        estimated.label("estimated"),
        Meter.serial,
        Account.id.label("account_id"),
        Account.number,
        Account.address,
        Account.street,
        _tariff(Account.id, window.period).label("tariff"),
    ).join(this_window, this_window.id == Reading.window_id)
    rows = session.execute(
        with_meter_and_account(figures)
        .where(
            Reading.id.in_(candidates),
            this_window.period <= window.period,
            ~exists().where(Recalculation.reading_id == Reading.id, Recalculation.kind == "recalculation"),
        )
        .order_by(Account.street, Account.number, this_window.period)
    ).all()
    default = default_tariff(session, window.period)
    lines = []
    for row in rows:
        if not row.estimated:
            continue
        consumption = row.value - row.previous
        settled = metering.billed(consumption, row.estimated)
        tariff = default if row.tariff is None else row.tariff
        lines.append(
            RecalculationLine(
                row.account_id,
                row.number,
                row.address,
                row.street,
                row.meter_id,
                row.serial,
                row.reading_id,
                row.period,
                "recalculation",
                row.quality,
                row.estimated,
                consumption,
                settled.difference,
                tariff,
                (settled.difference * tariff).quantize(CENT, ROUND_HALF_UP),
            )
        )
    reversal = aliased(Recalculation, name="reversal")
    undone = _stored_lines(
        session,
        Recalculation.kind == "recalculation",
        Reading.status != "accepted",
        ~exists().where(reversal.reading_id == Reading.id, reversal.kind == "reversal"),
    )
    return lines + [_reversal(line) for line in undone]


def _reversal(line: RecalculationLine) -> RecalculationLine:
    """The line that undoes `line`'s recalculation (its reading was corrected since)."""
    return dataclasses.replace(
        line,
        kind="reversal",
        estimated_volume=-line.estimated_volume,
        actual_volume=-line.actual_volume,
        volume=-line.volume,
        amount=-line.amount,
    )


def _stored_lines(session: Session, *conditions: ColumnElement[bool], order: bool = False) -> list[RecalculationLine]:
    """The stored recalculations where `conditions` hold, with their account, meter and reading's window (in the
    billing file's order with `order`)."""
    query = (
        select(Recalculation, Meter.serial, Account.number, Account.address, Account.street, ReadingWindow.period)
        .join(Reading, Reading.id == Recalculation.reading_id)
        .join(ReadingWindow, ReadingWindow.id == Reading.window_id)
        .join(Meter, Meter.id == Recalculation.meter_id)
        .join(Account, Account.id == Recalculation.account_id)
        .where(*conditions)
    )
    if order:
        query = query.order_by(Account.street, Account.number, Recalculation.id)
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
        for r, serial, number, address, street, period in session.execute(query)
    ]


def _stored_recalculations(session: Session, window: ReadingWindow) -> list[RecalculationLine]:
    return _stored_lines(session, Recalculation.window_id == window.id, order=True)
