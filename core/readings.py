"""Hot-water meter readings (DESIGN rules 5, 6, 10, 11): only inside an open window, ordered by their reading date,
never out of order with the readings before and after that date, an implausible use per day only after
confirmation (then flagged); in a window at most one reading per meter stands (the latest-dated; enforced by a
unique index and a row lock on the meter). A staff correction stands in place of a reading, which stays as superseded.
The meter's past the rules look at is read by core.meter_history; one reading is recorded by core.reading_record."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, Row, Select, and_, bindparam, exists, select
from sqlalchemy.orm import Session, sessionmaker

from core import clock
from core.consumers import require_link
from core.errors import AccessDenied, DomainError
from core.estimates import AdditionalChargeLine, estimate
from core.formatting import date
from core.parsing import parse_reading
from core.reading_record import Receipt, SubmittedMeter, lock_meter, record_reading
from core.register import account_open
from core.windows import WindowInfo, next_window, open_window
from db.models import Account, ConsumerAccountLink, ConsumerLogin, Meter, Reading, ReadingWindow
from db.prepared import Prepared


@dataclass(frozen=True)
class MeterView:
    meter_id: int
    account_id: int
    serial: str
    last_value: Decimal | None
    last_submitted_at: dt.datetime | None
    last_channel: str | None
    in_window_value: Decimal | None  # what was already sent in the open window, if anything


# A window's columns in WindowInfo's order, for a select that joins the window: `_window` makes the row's WindowInfo.
_WINDOW_COLUMNS = (
    ReadingWindow.id.label("window_id"),
    ReadingWindow.period,
    ReadingWindow.opens_at,
    ReadingWindow.closes_at,
    ReadingWindow.processed_at,
)


def _window(row: Row[Any]) -> WindowInfo:
    return WindowInfo(row.window_id, row.period, row.opens_at, row.closes_at, row.processed_at)


def _submission_context_statement() -> Select[Any]:
    """The meter, its account's street, the login, whether they are linked and the window open now, in one SELECT
    built once."""
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
            *_WINDOW_COLUMNS,
            Account.street,  # the window's totals count a standing reading per street (core.rollups)
        )
        .select_from(Meter)
        .join(Account, Account.id == Meter.account_id)
        .join(ConsumerLogin, ConsumerLogin.id == login_id)
        .outerjoin(ReadingWindow, and_(ReadingWindow.opens_at <= now, ReadingWindow.closes_at > now))
        .where(
            Meter.id == bindparam("meter_id", type_=Integer),
            Meter.removed_on.is_(None),
            Account.closed_on.is_(None),  # a closed account's meters take no new readings (core.register)
        )
        .order_by(ReadingWindow.opens_at.desc())
        .limit(1)
        .with_for_update(of=Meter)  # PostgreSQL: the meter's row lock (SQLite renders no FOR UPDATE)
    )


_SUBMISSION_CONTEXT = Prepared("submission_context", _submission_context_statement())


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
        context = _SUBMISSION_CONTEXT.execute(
            session.connection(), {"login_id": login_id, "meter_id": meter_id, "now": now}
        ).first()
        if context is None:
            raise DomainError("reading.meter_unknown")
        if not context.linked:
            raise AccessDenied()
        if context.window_id is None:
            upcoming = next_window(session, now)
            if upcoming is None:
                raise DomainError("reading.no_window")
            raise DomainError("reading.window_closed", opens=date(upcoming.first_day), closes=date(upcoming.last_day))
        meter = SubmittedMeter(meter_id, context.serial, context.initial_value)
        return record_reading(
            session,
            meter,
            value,
            window=_window(context),
            channel="cabinet",
            submitted_at=now,
            actor=context.login,
            login_id=login_id,
            confirm_jump=confirm_jump,
            confirm_replace=confirm_replace,
            meter_locked=session.get_bind().dialect.name == "postgresql",
            street=context.street,
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
            select(Reading.status, Reading.submitted_at, Meter.serial, Meter.initial_value, *_WINDOW_COLUMNS)
            .join(Meter, Meter.id == Reading.meter_id)
            .outerjoin(ReadingWindow, ReadingWindow.id == Reading.window_id)
            .where(Reading.id == reading_id)
        ).one()
        if row.status != "accepted" or row.window_id is None:
            raise DomainError("reading.correct_not_standing")
        return record_reading(
            session,
            SubmittedMeter(meter_id, row.serial, row.initial_value),
            value,
            window=_window(row),
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
