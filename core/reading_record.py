"""Recording one reading, the path every channel shares (the cabinet, a staff correction, an import, a settled
conflict): the meter locked, the reading ordered by its date against its neighbours, a jump judged, the window's
standing reading stepped aside or the new one stored as superseded, and the receipt."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Connection, Integer, bindparam, insert, select, update
from sqlalchemy.orm import Session

from core import audit, metering, rollups
from core.errors import DomainError, NeedsConfirmation
from core.formatting import Shown
from core.meter_history import MeterRef, meter_history
from core.metering import Candidate
from core.windows import WindowInfo
from db.models import Meter, Reading

THOUSANDTH = Decimal("0.001")


@dataclass(frozen=True)
class Receipt:
    receipt_number: str
    meter_serial: str
    period: dt.date
    value: Decimal
    previous_value: Decimal
    consumption: Decimal
    estimated_before: Decimal  # volume already charged by estimate since the previous real reading
    billed_volume: Decimal
    flagged: bool
    replaced: Decimal | None
    submitted_at: dt.datetime
    credited_volume: Decimal = Decimal("0.000")  # estimated beyond the consumption: credited back
    stands: bool = True  # False: an older-dated reading, stored as superseded by the window's standing one
    quality: str = "actual"
    # The change to the standing reading when the caller counts it itself (defer_totals: an import, after its rows).
    standing_change: rollups.StandingChange | None = None


@dataclass(frozen=True)
class SubmittedMeter:
    id: int
    serial: str
    initial_value: Decimal


def lock_meter(connection: Connection, meter_id: int) -> None:
    """Serialise the readings of one meter: a row lock on PostgreSQL; on SQLite the database's write lock, taken
    before the history is read (a deferred transaction would read first and then lose the race to upgrade)."""
    if connection.dialect.name == "postgresql":
        connection.execute(_LOCK, {"meter_id": meter_id})
    else:
        connection.execute(_SQLITE_LOCK, {"meter_id": meter_id})


_LOCK = select(Meter.id).where(Meter.id == bindparam("meter_id", type_=Integer)).with_for_update()
_SQLITE_LOCK = update(Meter).where(Meter.id == bindparam("meter_id", type_=Integer)).values(unit=Meter.unit)


def _receipt_number(period: dt.date) -> str:
    return f"{period:%Y%m}-{secrets.token_hex(5).upper()}"


def record_reading(
    session: Session,
    meter: MeterRef,
    value: Decimal,
    *,
    window: WindowInfo,
    channel: str,
    submitted_at: dt.datetime,
    actor: str,
    login_id: int | None = None,
    confirm_jump: bool = False,
    confirm_replace: bool = False,
    source: str | None = None,
    external_ref: str | None = None,
    import_batch_id: int | None = None,
    quality: str = "actual",
    reason: str | None = None,
    meter_locked: bool = False,
    defer_totals: bool = False,
    now: dt.datetime | None = None,
    street: str | None = None,
) -> Receipt:
    """Validate and store one reading taken at `submitted_at` in a window; shared by the cabinet, staff entry,
    corrections and imports. The reading stands if its date is the window's latest; otherwise it is kept as
    superseded by the one standing. `now` is when it is written (the audit's time): an imported reading's own date
    is not the time it reached the database. `street`: the meter's account's, when the caller has read it already
    (the window's totals count per street)."""
    connection = session.connection()
    if not meter_locked:
        lock_meter(connection, meter.id)
    history = meter_history(connection, meter, window.id, window.period, submitted_at)
    new = Candidate(read_at=submitted_at, own=channel == "cabinet", corrected=quality == "corrected", order=2**62)
    current = history.current
    stands = current is None or metering.standing([current, new]) is new
    later = history.next_value
    if not stands:
        # Only a standing reading can outrank the new one; its value comes from the same row.
        assert current is not None and history.current_value is not None
        if current.read_at > submitted_at:
            later = history.current_value if later is None else min(later, history.current_value)
    problem = metering.order_problem(value, history.previous, later)
    if problem is not None:
        raise DomainError(
            problem,
            value=Shown(value, places=3),
            previous=Shown(history.previous, places=3),
            previous_at=history.previous_at,  # for an import's report (core.import_readings); the consumer's omits it
            next=Shown(later, places=3) if later is not None else "",
        )
    replacing = stands and current is not None
    consumption = value - history.previous
    jump = False
    flag_reason = None
    if quality != "corrected":
        days = metering.days_between(history.previous_at, submitted_at)
        if metering.is_jump(consumption, history.average_daily, days):
            jump = True
            limit = metering.jump_limit(history.average_daily, days).quantize(THOUSANDTH, ROUND_HALF_UP)
            flag_reason = (
                f"consumption {consumption} m3 in {days.quantize(Decimal(1), ROUND_HALF_UP)} days above {limit} m3"
            )
    ask_replace, ask_jump = replacing and not confirm_replace, jump and not confirm_jump
    if ask_replace or ask_jump:  # one question for everything still to confirm, never two in a row
        kind = "replace_jump" if ask_replace and ask_jump else "replace" if ask_replace else "jump"
        raise NeedsConfirmation(
            kind,
            f"reading.confirm_{kind}",
            value=Shown(value, "volume"),
            previous=Shown(history.current_value, "volume") if replacing and history.current_value is not None else "",
            consumption=Shown(consumption, "volume"),
        )
    flagged = jump
    stepped_aside = None
    if stands and current is not None:
        stepped_aside = connection.execute(_STEP_ASIDE, {"current_id": current.order}).scalar_one()
    receipt_number = _receipt_number(window.period)
    reading_id = connection.execute(
        _INSERT,
        {
            "meter_id": meter.id,
            "window_id": window.id,
            "value": value,
            "consumption": consumption,
            "submitted_at": submitted_at,
            "channel": channel,
            "status": "accepted" if stands else "superseded",
            "superseded_by_id": None if stands or current is None else current.order,
            "quality": quality,
            "flagged": flagged,
            "flag_reason": flag_reason,
            "receipt_number": receipt_number,
            "login_id": login_id,
            "source": source,
            "external_ref": external_ref,
            "import_batch_id": import_batch_id,
        },
    ).scalar_one()
    # A reading that does not stand counts nothing, but still drops a closed window's records (core.rollups).
    standing_change = rollups.StandingChange(
        meter.id, window.id, channel if stands else None, stepped_aside, street, window.closes_at
    )
    if not defer_totals:
        rollups.standing_changes(connection, [standing_change])
    replaced = None
    if stands and current is not None:
        connection.execute(_SUPERSEDE, {"current_id": current.order, "reading_id": reading_id})
        replaced = history.current_value
    details = {
        "value": str(value),
        "channel": channel,
        "receipt": receipt_number,
        "flagged": flagged,
        "replaced": None if replaced is None else str(replaced),
        "quality": quality,
    }
    if not stands and current is not None:
        details["superseded_by"] = current.order
    if reason is not None:
        details["reason"] = reason
    audit.record(
        session,
        at=now or submitted_at,
        actor_type="consumer" if channel == "cabinet" else "staff",
        actor=actor,
        action="reading.corrected" if quality == "corrected" else "reading.submitted",
        entity="meter",
        entity_id=meter.serial,
        **details,
    )
    settled = metering.billed(consumption, history.estimated)
    return Receipt(
        receipt_number=receipt_number,
        meter_serial=meter.serial,
        period=window.period,
        value=value,
        previous_value=history.previous,
        consumption=consumption,
        estimated_before=history.estimated,
        billed_volume=settled.billed,
        flagged=flagged,
        replaced=replaced,
        submitted_at=submitted_at,
        credited_volume=settled.credited,
        stands=stands,
        quality=quality,
        standing_change=standing_change if defer_totals else None,
    )


_INSERT = insert(Reading).returning(Reading.id)  # built once: a submission's statements are all prebuilt
# The standing reading steps aside before its successor is written, so the unique index never sees two.
_STEP_ASIDE = (
    update(Reading)
    .where(Reading.id == bindparam("current_id", type_=Integer))
    .values(status="superseded")
    .returning(Reading.channel)
)
_SUPERSEDE = (
    update(Reading)
    .where(Reading.id == bindparam("current_id", type_=Integer))
    .values(superseded_by_id=bindparam("reading_id", type_=Integer))
)
