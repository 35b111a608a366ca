"""Hot-water meter readings (DESIGN rules 5, 6, 10, 11): only inside an open window, ordered by their reading date,
never out of order with the readings before and after that date, an implausible use per day only after
confirmation (then flagged); in a window at most one reading per meter stands (the latest-dated; enforced by a
unique index and a row lock on the meter). A staff correction stands in place of a reading, which stays as superseded.
The meter's past the rules look at is read by core.meter_history."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Connection, Integer, Select, and_, bindparam, exists, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from core import audit, clock, metering
from core.consumers import require_link
from core.errors import AccessDenied, DomainError, NeedsConfirmation
from core.estimates import AdditionalChargeLine, estimate
from core.formatting import Shown, date
from core.meter_history import MeterRef, meter_history
from core.metering import Candidate
from core.parsing import parse_reading
from core.register import account_open
from core.windows import WindowInfo, next_window, open_window
from db.models import ConsumerAccountLink, ConsumerLogin, Meter, Reading, ReadingWindow

THOUSANDTH = Decimal("0.001")


@dataclass(frozen=True)
class MeterView:
    meter_id: int
    account_id: int
    serial: str
    last_value: Decimal | None
    last_submitted_at: dt.datetime | None
    last_channel: str | None
    in_window_value: Decimal | None  # what was already sent in the open window, if anything


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
    now: dt.datetime | None = None,
) -> Receipt:
    """Validate and store one reading taken at `submitted_at` in a window; shared by the cabinet, staff entry,
    corrections and imports. The reading stands if its date is the window's latest; otherwise it is kept as
    superseded by the one standing. `now` is when it is written (the audit's time): an imported reading's own date
    is not the time it reached the database."""
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
    if stands and current is not None:
        connection.execute(_STEP_ASIDE, {"current_id": current.order})
    receipt_number = _receipt_number(window.period)
    reading_id = connection.execute(
        insert(Reading).returning(Reading.id),
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
    )


# The standing reading steps aside before its successor is written, so the unique index never sees two.
_STEP_ASIDE = update(Reading).where(Reading.id == bindparam("current_id", type_=Integer)).values(status="superseded")
_SUPERSEDE = (
    update(Reading)
    .where(Reading.id == bindparam("current_id", type_=Integer))
    .values(superseded_by_id=bindparam("reading_id", type_=Integer))
)


def _submission_context_statement() -> Select[Any]:
    """The meter, the login, whether they are linked and the window open now, in one SELECT built once."""
    login_id = bindparam("login_id", type_=Integer)
    now = bindparam("now", type_=ReadingWindow.opens_at.type)
    linked = exists().where(
        ConsumerAccountLink.login_id == login_id, ConsumerAccountLink.account_id == Meter.account_id
    )
    return (
        select(
            Meter.account_id,
            Meter.serial,
            Meter.initial_value,
            ConsumerLogin.login,
            linked.label("linked"),
            ReadingWindow.id.label("window_id"),
            ReadingWindow.period,
            ReadingWindow.opens_at,
            ReadingWindow.closes_at,
            ReadingWindow.processed_at,
        )
        .select_from(Meter)
        .join(ConsumerLogin, ConsumerLogin.id == login_id)
        .outerjoin(ReadingWindow, and_(ReadingWindow.opens_at <= now, ReadingWindow.closes_at > now))
        .where(
            Meter.id == bindparam("meter_id", type_=Integer), Meter.removed_on.is_(None), account_open(Meter.account_id)
        )
        .order_by(ReadingWindow.opens_at.desc())
        .limit(1)
        .with_for_update(of=Meter)  # PostgreSQL: the meter's row lock (SQLite renders no FOR UPDATE)
    )


_SUBMISSION_CONTEXT = _submission_context_statement()


def submit_reading(
    sessions: sessionmaker[Session],
    login_id: int,
    meter_id: int,
    value_text: str,
    *,
    confirm_jump: bool = False,
    confirm_replace: bool = False,
    now: dt.datetime | None = None,
    language: str = "uk",
) -> Receipt:
    """A consumer's reading from the cabinet (typed as `language` writes numbers).
    Raises NeedsConfirmation for a jump or a resubmission."""
    now = now or clock.now()
    value = parse_reading(value_text, lang=language)
    with sessions.begin() as session:
        context = (
            session.connection()
            .execute(_SUBMISSION_CONTEXT, {"login_id": login_id, "meter_id": meter_id, "now": now})
            .first()
        )
        if context is None:
            raise DomainError("reading.meter_unknown")
        if not context.linked:
            raise AccessDenied()
        if context.window_id is None:
            upcoming = next_window(session, now)
            if upcoming is None:
                raise DomainError("reading.no_window")
            raise DomainError("reading.window_closed", opens=date(upcoming.first_day), closes=date(upcoming.last_day))
        window = WindowInfo(
            context.window_id, context.period, context.opens_at, context.closes_at, context.processed_at
        )
        meter = SubmittedMeter(meter_id, context.serial, context.initial_value)
        return record_reading(
            session,
            meter,
            value,
            window=window,
            channel="cabinet",
            submitted_at=now,
            actor=context.login,
            login_id=login_id,
            confirm_jump=confirm_jump,
            confirm_replace=confirm_replace,
            meter_locked=session.get_bind().dialect.name == "postgresql",
        )


def correct_reading(
    sessions: sessionmaker[Session],
    reading_id: int,
    value_text: str,
    reason: str,
    *,
    actor: str,
    now: dt.datetime | None = None,
) -> Receipt:
    """A staff correction (DESIGN rule 6: quality `corrected`): a new reading with the same date stands in place of
    the window's standing one, which is kept as superseded by it; audited with the reason. Never edits a reading."""
    now = now or clock.now()
    value = parse_reading(value_text)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reading.correction_reason")
    with sessions.begin() as session:
        connection = session.connection()
        meter_id = connection.scalar(select(Reading.meter_id).where(Reading.id == reading_id))
        if meter_id is None:
            raise DomainError("reading.unknown")
        lock_meter(connection, meter_id)
        row = connection.execute(
            select(
                Reading.status,
                Reading.submitted_at,
                Reading.window_id,
                Meter.serial,
                Meter.initial_value,
                ReadingWindow.period,
                ReadingWindow.opens_at,
                ReadingWindow.closes_at,
                ReadingWindow.processed_at,
            )
            .join(Meter, Meter.id == Reading.meter_id)
            .outerjoin(ReadingWindow, ReadingWindow.id == Reading.window_id)
            .where(Reading.id == reading_id)
        ).one()
        if row.status != "accepted" or row.window_id is None:
            raise DomainError("reading.correct_not_standing")
        window = WindowInfo(row.window_id, row.period, row.opens_at, row.closes_at, row.processed_at)
        return record_reading(
            session,
            SubmittedMeter(meter_id, row.serial, row.initial_value),
            value,
            window=window,
            channel="staff",
            submitted_at=row.submitted_at,
            actor=actor,
            confirm_jump=True,
            confirm_replace=True,
            quality="corrected",
            reason=reason,
            meter_locked=True,
            now=now,
        )


def meters_of_account(
    sessions: sessionmaker[Session], login_id: int, account_id: int, now: dt.datetime | None = None
) -> list[MeterView]:
    """The account's active hot-water meters with their last accepted reading."""
    now = now or clock.now()
    with sessions() as session:
        require_link(session, login_id, account_id)
        window = open_window(session, now)
        views = []
        for meter in session.scalars(
            select(Meter)
            .where(Meter.account_id == account_id, Meter.removed_on.is_(None), account_open(account_id))
            .order_by(Meter.serial)
        ):
            last = session.execute(
                select(Reading.value, Reading.submitted_at, Reading.channel, Reading.window_id)
                .where(Reading.meter_id == meter.id, Reading.status == "accepted")
                .order_by(Reading.submitted_at.desc(), Reading.id.desc())
                .limit(1)
            ).first()
            in_window = last.value if (last and window and last.window_id == window.id) else None
            views.append(
                MeterView(
                    meter.id,
                    account_id,
                    meter.serial,
                    last.value if last else None,
                    last.submitted_at if last else None,
                    last.channel if last else None,
                    in_window,
                )
            )
        return views


def estimate_if_no_reading(
    sessions: sessionmaker[Session], login_id: int, account_id: int, now: dt.datetime | None = None
) -> dict[int, AdditionalChargeLine]:
    """Per meter of the account still without a reading in the open window: what closing it would charge."""
    now = now or clock.now()
    with sessions() as session:
        require_link(session, login_id, account_id)
        window = open_window(session, now)
        if window is None:
            return {}
        meter_ids = list(
            session.scalars(select(Meter.id).where(Meter.account_id == account_id, Meter.removed_on.is_(None)))
        )
        if not meter_ids:
            return {}
        lines = estimate(session, session.get_one(ReadingWindow, window.id), meter_ids)
        return {line.meter_id: line for line in lines}
