"""Hot-water meter readings (DESIGN rules 5-6): only inside an open window, never below the previous
accepted reading, an implausible jump only after confirmation (then flagged), a resubmission in the same
window supersedes the earlier one."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Protocol
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Connection, Integer, and_, bindparam, exists, func, insert, or_, select, true, update
from sqlalchemy.orm import Session, sessionmaker

from core import audit, clock
from core.additional_charges import AdditionalChargeLine, estimate
from core.config import JUMP_FACTOR, JUMP_FLOOR_M3
from core.consumers import require_link
from core.errors import AccessDenied, DomainError, NeedsConfirmation
from core.formatting import Shown, date, volume
from core.parsing import parse_reading
from core.register import account_open
from core.windows import WindowInfo, next_window, open_window
from db.models import AdditionalCharge, ConsumerAccountLink, ConsumerLogin, Meter, Reading, ReadingWindow

AVERAGE_MONTH_DAYS = Decimal("30.4375")
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


class MeterRef(Protocol):
    """What recording a reading needs of a meter: an ORM Meter or the columns read with the submission."""

    id: int
    serial: str
    initial_value: Decimal


@dataclass(frozen=True)
class SubmittedMeter:
    id: int
    serial: str
    initial_value: Decimal


@dataclass(frozen=True)
class MeterHistory:
    """The meter's past as the reading rules see it from one window."""

    previous: Decimal  # the last accepted reading outside the window, or the value when installed
    previous_at: dt.datetime | None
    current_id: int | None  # the reading already accepted in this window, if any
    current_value: Decimal | None
    own_average: Decimal | None  # consumption per month over the last 12 months
    estimated: Decimal  # volume charged by estimate since the previous real reading


def _history_statement():
    """One SELECT for every fact record_reading checks, built once: a submission in the last days of a window
    competes with thousands of others, so it costs one round trip instead of four."""
    meter_id = bindparam("meter_id", type_=Integer)
    window_id = bindparam("window_id", type_=Integer)
    accepted = and_(Reading.meter_id == meter_id, Reading.status == "accepted")
    previous = (
        select(Reading.value.label("value"), Reading.submitted_at.label("at"))
        .where(accepted, or_(Reading.window_id != window_id, Reading.window_id.is_(None)))
        .order_by(Reading.submitted_at.desc(), Reading.id.desc()).limit(1).subquery("previous")
    )
    current = (select(Reading.id.label("id"), Reading.value.label("value"))
               .where(accepted, Reading.window_id == window_id).limit(1).subquery("current"))
    year = (
        select(func.min(Reading.submitted_at).label("first_at"), func.max(Reading.submitted_at).label("last_at"),
               func.min(Reading.value).label("low"), func.max(Reading.value).label("high"))
        .where(accepted, Reading.quality == "actual",
               Reading.submitted_at >= bindparam("since", type_=Reading.submitted_at.type),
               Reading.submitted_at < bindparam("before", type_=Reading.submitted_at.type))
        .subquery("year")
    )
    estimated = (
        select(func.coalesce(func.sum(AdditionalCharge.volume), 0))
        .join(ReadingWindow, ReadingWindow.id == AdditionalCharge.window_id)
        .where(AdditionalCharge.meter_id == meter_id,
               ReadingWindow.period < bindparam("period", type_=ReadingWindow.period.type),
               or_(previous.c.at.is_(None), ReadingWindow.closes_at > previous.c.at))
        .scalar_subquery()
    )
    return (
        select(previous.c.value, previous.c.at, current.c.id, current.c.value.label("current_value"),
               year.c.first_at, year.c.last_at, year.c.low, year.c.high, estimated.label("estimated"))
        .select_from(year).outerjoin(previous, true()).outerjoin(current, true())
    )


_HISTORY = _history_statement()


def meter_history(connection: Connection, meter: MeterRef, window_id: int, period: dt.date,
                  before: dt.datetime) -> MeterHistory:
    row = connection.execute(_HISTORY, {"meter_id": meter.id, "window_id": window_id, "period": period,
                                        "since": before - dt.timedelta(days=365), "before": before}).one()
    return MeterHistory(
        previous=meter.initial_value if row.value is None else row.value, previous_at=row.at,
        current_id=row.id, current_value=row.current_value,
        own_average=_monthly_average(row.first_at, row.last_at, row.low, row.high),
        estimated=Decimal(row.estimated),
    )


def _monthly_average(first_at, last_at, low, high) -> Decimal | None:
    """Average consumption per month between the first and last accepted actual readings of the period."""
    if first_at is None or last_at is None or last_at == first_at:
        return None
    days = Decimal((last_at - first_at).total_seconds()) / Decimal(86400)
    if days < 20:
        return None
    return ((high - low) / days * AVERAGE_MONTH_DAYS).quantize(THOUSANDTH, ROUND_HALF_UP)


def jump_threshold(own_average: Decimal | None) -> Decimal:
    if own_average is None:
        return JUMP_FLOOR_M3
    return max(JUMP_FLOOR_M3, own_average * JUMP_FACTOR)


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
    recorded_at: dt.datetime | None = None,
) -> Receipt:
    """Validate and store one reading in a window; shared by the cabinet, staff entry and imports.

    `recorded_at` is when it is written (the audit's time) when that differs from the reading's own date."""
    connection = session.connection()
    history = meter_history(connection, meter, window.id, window.period, submitted_at)
    previous = history.previous
    if value < previous:
        raise DomainError("reading.below_previous", value=Shown(value, places=3), previous=Shown(previous, places=3))
    if history.current_id is not None and not confirm_replace:
        raise NeedsConfirmation("replace", "reading.confirm_replace", previous=Shown(history.current_value, places=3))
    consumption = value - previous
    flagged = False
    reason = None
    threshold = jump_threshold(history.own_average)
    if consumption > threshold:
        if not confirm_jump:
            raise NeedsConfirmation("jump", "reading.confirm_jump", consumption=Shown(consumption, places=3))
        flagged = True
        reason = f"consumption {consumption} m3 above {threshold.quantize(THOUSANDTH, ROUND_HALF_UP)} m3"
    receipt_number = _receipt_number(window.period)
    reading_id = connection.execute(insert(Reading).returning(Reading.id), {
        "meter_id": meter.id, "window_id": window.id, "value": value, "consumption": consumption,
        "submitted_at": submitted_at, "channel": channel, "status": "accepted", "quality": "actual",
        "flagged": flagged, "flag_reason": reason, "receipt_number": receipt_number, "login_id": login_id,
        "source": source, "external_ref": external_ref, "import_batch_id": import_batch_id,
    }).scalar_one()
    if history.current_id is not None:
        connection.execute(_SUPERSEDE, {"current_id": history.current_id, "reading_id": reading_id})
    audit.record(
        session, at=recorded_at or submitted_at, actor_type="consumer" if channel == "cabinet" else "staff", actor=actor,
        action="reading.submitted", entity="meter", entity_id=meter.serial, value=str(value), channel=channel,
        receipt=receipt_number, flagged=flagged, replaced=None if history.current_id is None else str(history.current_value),
    )
    return Receipt(
        receipt_number=receipt_number, meter_serial=meter.serial, period=window.period, value=value,
        previous_value=previous, consumption=consumption, estimated_before=history.estimated,
        billed_volume=max(Decimal("0.000"), consumption - history.estimated), flagged=flagged,
        replaced=history.current_value, submitted_at=submitted_at,
    )


_SUPERSEDE = (update(Reading).where(Reading.id == bindparam("current_id", type_=Integer))
              .values(status="superseded", superseded_by_id=bindparam("reading_id", type_=Integer)))


def _submission_context_statement():
    """The meter, the login, whether they are linked and the window open now, in one SELECT built once."""
    login_id = bindparam("login_id", type_=Integer)
    now = bindparam("now", type_=ReadingWindow.opens_at.type)
    linked = exists().where(ConsumerAccountLink.login_id == login_id, ConsumerAccountLink.account_id == Meter.account_id)
    return (
        select(Meter.account_id, Meter.serial, Meter.initial_value, ConsumerLogin.login, linked.label("linked"),
               ReadingWindow.id.label("window_id"), ReadingWindow.period, ReadingWindow.opens_at,
               ReadingWindow.closes_at, ReadingWindow.processed_at)
        .select_from(Meter)
        .join(ConsumerLogin, ConsumerLogin.id == login_id)
        .outerjoin(ReadingWindow, and_(ReadingWindow.opens_at <= now, ReadingWindow.closes_at > now))
        .where(Meter.id == bindparam("meter_id", type_=Integer), Meter.removed_on.is_(None), account_open(Meter.account_id))
        .order_by(ReadingWindow.opens_at.desc()).limit(1)
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
        context = session.connection().execute(
            _SUBMISSION_CONTEXT, {"login_id": login_id, "meter_id": meter_id, "now": now}).first()
        if context is None:
            raise DomainError("reading.meter_unknown")
        if not context.linked:
            raise AccessDenied()
        if context.window_id is None:
            upcoming = next_window(session, now)
            if upcoming is None:
                raise DomainError("reading.no_window")
            raise DomainError("reading.window_closed", opens=date(upcoming.first_day), closes=date(upcoming.last_day))
        window = WindowInfo(context.window_id, context.period, context.opens_at, context.closes_at,
                            context.processed_at)
        meter = SubmittedMeter(meter_id, context.serial, context.initial_value)
        return record_reading(
            session, meter, value, window=window, channel="cabinet", submitted_at=now, actor=context.login,
            login_id=login_id, confirm_jump=confirm_jump, confirm_replace=confirm_replace,
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
            select(Meter).where(Meter.account_id == account_id, Meter.removed_on.is_(None), account_open(account_id))
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
                    meter.id, account_id, meter.serial,
                    last.value if last else None, last.submitted_at if last else None,
                    last.channel if last else None, in_window,
                )
            )
        return views


def describe(receipt: Receipt, lang: str = "uk") -> str:
    """One line for logs and the CLI."""
    return f"{receipt.receipt_number}: {volume(receipt.value, lang)} ({volume(receipt.consumption, lang)})"


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
