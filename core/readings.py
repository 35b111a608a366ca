"""Hot-water meter readings (DESIGN rules 5-6): only inside an open window, never below the previous
accepted reading, an implausible jump only after confirmation (then flagged), a resubmission in the same
window supersedes the earlier one."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core import audit, clock
from core.additional_charges import AdditionalChargeLine, estimate
from core.config import JUMP_FACTOR, JUMP_FLOOR_M3
from core.consumers import require_link
from core.errors import DomainError, NeedsConfirmation
from core.formatting import number, volume
from core.parsing import parse_reading
from core.windows import WindowInfo, next_window, open_window
from db.models import AdditionalCharge, ConsumerLogin, Meter, Reading, ReadingWindow

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


def previous_accepted(session: Session, meter: Meter, exclude_window_id: int | None) -> tuple[Decimal, dt.datetime | None]:
    """The last accepted reading outside the given window, or the meter's value when installed."""
    query = select(Reading.value, Reading.submitted_at).where(
        Reading.meter_id == meter.id, Reading.status == "accepted"
    )
    if exclude_window_id is not None:
        query = query.where((Reading.window_id != exclude_window_id) | (Reading.window_id.is_(None)))
    row = session.execute(query.order_by(Reading.submitted_at.desc(), Reading.id.desc()).limit(1)).first()
    if row is None:
        return meter.initial_value, None
    return row.value, row.submitted_at


def average_monthly_consumption(session: Session, meter_id: int, before: dt.datetime) -> Decimal | None:
    """Average consumption per month over the 12 months before `before`, from accepted actual readings."""
    since = before - dt.timedelta(days=365)
    rows = session.execute(
        select(func.min(Reading.submitted_at), func.max(Reading.submitted_at), func.min(Reading.value), func.max(Reading.value))
        .where(
            Reading.meter_id == meter_id, Reading.status == "accepted", Reading.quality == "actual",
            Reading.submitted_at >= since, Reading.submitted_at < before,
        )
    ).one()
    first_at, last_at, low, high = rows
    if first_at is None or last_at is None or last_at == first_at:
        return None
    days = Decimal((last_at - first_at).total_seconds()) / Decimal(86400)
    if days < 20:
        return None
    return ((high - low) / days * AVERAGE_MONTH_DAYS).quantize(THOUSANDTH)


def jump_threshold(own_average: Decimal | None) -> Decimal:
    if own_average is None:
        return JUMP_FLOOR_M3
    return max(JUMP_FLOOR_M3, own_average * JUMP_FACTOR)


def _estimated_since(session: Session, meter_id: int, since: dt.datetime | None, window: WindowInfo) -> Decimal:
    query = (
        select(func.coalesce(func.sum(AdditionalCharge.volume), 0))
        .join(ReadingWindow, ReadingWindow.id == AdditionalCharge.window_id)
        .where(AdditionalCharge.meter_id == meter_id, ReadingWindow.period < window.period)
    )
    if since is not None:
        query = query.where(ReadingWindow.closes_at > since)
    return Decimal(session.scalar(query))


def _receipt_number(period: dt.date) -> str:
    return f"{period:%Y%m}-{secrets.token_hex(5).upper()}"


def record_reading(
    session: Session,
    meter: Meter,
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
) -> Receipt:
    """Validate and store one reading in a window; shared by the cabinet, staff entry and imports."""
    previous, previous_at = previous_accepted(session, meter, window.id)
    if value < previous:
        raise DomainError("reading.below_previous", value=number(value, places=3), previous=number(previous, places=3))
    current = session.scalar(
        select(Reading).where(Reading.meter_id == meter.id, Reading.window_id == window.id, Reading.status == "accepted")
    )
    if current is not None and not confirm_replace:
        raise NeedsConfirmation("replace", "reading.confirm_replace", previous=number(current.value, places=3))
    consumption = value - previous
    flagged = False
    reason = None
    threshold = jump_threshold(average_monthly_consumption(session, meter.id, submitted_at))
    if consumption > threshold:
        if not confirm_jump:
            raise NeedsConfirmation("jump", "reading.confirm_jump", consumption=number(consumption, places=3))
        flagged = True
        reason = f"consumption {consumption} m3 above {threshold.quantize(THOUSANDTH)} m3"
    estimated = _estimated_since(session, meter.id, previous_at, window)
    reading = Reading(
        meter_id=meter.id, window_id=window.id, value=value, consumption=consumption, submitted_at=submitted_at,
        channel=channel, status="accepted", quality="actual", flagged=flagged, flag_reason=reason,
        receipt_number=_receipt_number(window.period), login_id=login_id, source=source,
        external_ref=external_ref, import_batch_id=import_batch_id,
    )
    session.add(reading)
    session.flush()
    if current is not None:
        current.status = "superseded"
        current.superseded_by_id = reading.id
    audit.record(
        session, at=submitted_at, actor_type="consumer" if channel == "cabinet" else "staff", actor=actor,
        action="reading.submitted", entity="meter", entity_id=meter.serial, value=str(value), channel=channel,
        receipt=reading.receipt_number, flagged=flagged, replaced=None if current is None else str(current.value),
    )
    return Receipt(
        receipt_number=reading.receipt_number, meter_serial=meter.serial, period=window.period, value=value,
        previous_value=previous, consumption=consumption, estimated_before=estimated,
        billed_volume=max(Decimal("0.000"), consumption - estimated), flagged=flagged,
        replaced=None if current is None else current.value, submitted_at=submitted_at,
    )


def submit_reading(
    sessions: sessionmaker[Session],
    login_id: int,
    meter_id: int,
    value_text: str,
    *,
    confirm_jump: bool = False,
    confirm_replace: bool = False,
    now: dt.datetime | None = None,
) -> Receipt:
    """A consumer's reading from the cabinet. Raises NeedsConfirmation for a jump or a resubmission."""
    now = now or clock.now()
    value = parse_reading(value_text)
    with sessions.begin() as session:
        meter = session.get(Meter, meter_id)
        if meter is None or meter.removed_on is not None:
            raise DomainError("reading.meter_unknown")
        require_link(session, login_id, meter.account_id)
        window = open_window(session, now)
        if window is None:
            upcoming = next_window(session, now)
            if upcoming is None:
                raise DomainError("reading.no_window")
            from core.formatting import date

            raise DomainError("reading.window_closed", opens=date(upcoming.first_day), closes=date(upcoming.last_day))
        login = session.get_one(ConsumerLogin, login_id)
        return record_reading(
            session, meter, value, window=window, channel="cabinet", submitted_at=now, actor=login.login,
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
            select(Meter).where(Meter.account_id == account_id, Meter.removed_on.is_(None)).order_by(Meter.serial)
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
