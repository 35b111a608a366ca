"""A meter's past as the reading rules see it from one reading date in one window, read in one statement:
the standing readings before and after the date, the window's current one, the account's average use and the
volume estimated since the last real reading.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import Connection, Date, Integer, Select, and_, bindparam, func, or_, select, true
from sqlalchemy.orm import aliased

from core import clock, metering
from core.estimates import meter_spans, span_columns
from core.metering import Candidate, MeterSpan
from db.models import AdditionalCharge, Meter, Reading, ReadingWindow
from db.prepared import Prepared


class MeterRef(Protocol):
    """What recording a reading needs of a meter: an ORM Meter or the columns read with the submission."""

    @property
    def id(self) -> int: ...
    @property
    def serial(self) -> str: ...
    @property
    def initial_value(self) -> Decimal: ...


@dataclass(frozen=True)
class MeterHistory:
    """The meter's past as the reading rules see it from one reading date in one window."""

    previous: Decimal  # the standing reading of another window on or before the date, or the installation value
    previous_at: dt.datetime  # its date (the installation's midnight when none)
    next_value: Decimal | None  # the standing reading of another window after the date
    current: Candidate | None  # the reading standing in this window, if any
    current_value: Decimal | None
    average_daily: Decimal | None  # the account's, over the 12 months before the date, across meter replacements
    estimated: Decimal  # volume charged by estimate since the previous real reading


def _history_statement() -> Select[Any]:
    """One SELECT for every fact record_reading checks, built once: a submission in the last days of a window
    competes with thousands of others, so it costs one round trip. One row per meter of the account and service
    (their spans feed the account's average); the meter's own neighbours repeat on each row."""
    meter_id = bindparam("meter_id", type_=Integer)
    window_id = bindparam("window_id", type_=Integer)
    at = bindparam("at", type_=Reading.submitted_at.type)
    cutoff = bindparam("cutoff", type_=Reading.submitted_at.type)
    this = aliased(Meter, name="this_meter")
    own = and_(Reading.meter_id == meter_id, Reading.status == "accepted")
    other_window = or_(Reading.window_id != window_id, Reading.window_id.is_(None))
    before = (
        select(Reading.value.label("value"), Reading.submitted_at.label("at"), ReadingWindow.period.label("period"))
        .outerjoin(ReadingWindow, ReadingWindow.id == Reading.window_id)
        .where(own, other_window, Reading.submitted_at <= at)
        .order_by(Reading.submitted_at.desc(), Reading.id.desc())
        .limit(1)
        .subquery("before")
    )
    after = (
        select(Reading.value.label("value"))
        .where(own, other_window, Reading.submitted_at > at)
        .order_by(Reading.submitted_at, Reading.id)
        .limit(1)
        .subquery("after")
    )
    current = (
        select(
            Reading.id.label("id"),
            Reading.value.label("value"),
            Reading.submitted_at.label("at"),
            Reading.channel.label("channel"),
            Reading.quality.label("quality"),
        )
        .where(own, Reading.window_id == window_id)
        .limit(1)
        .subquery("current")
    )
    estimated = (
        select(func.coalesce(func.sum(AdditionalCharge.volume), 0))
        .join(ReadingWindow, ReadingWindow.id == AdditionalCharge.window_id)
        .where(
            AdditionalCharge.meter_id == meter_id,
            ReadingWindow.period <= bindparam("period", type_=ReadingWindow.period.type),
            or_(
                before.c.at.is_(None),
                ReadingWindow.period > before.c.period,
                and_(before.c.period.is_(None), ReadingWindow.closes_at > before.c.at),
            ),
        )
        .scalar_subquery()
    )
    same_account_and_service = (
        Meter.account_id == select(this.account_id).where(this.id == meter_id).scalar_subquery(),
        Meter.service == select(this.service).where(this.id == meter_id).scalar_subquery(),
    )
    account_meters = select(Meter.id).where(*same_account_and_service)
    spans = meter_spans(account_meters, cutoff, at)
    return (
        select(
            Meter.id,
            *span_columns(spans),
            before.c.value.label("previous"),
            before.c.at.label("previous_at"),
            after.c.value.label("next_value"),
            current.c.id.label("current_id"),
            current.c.value.label("current_value"),
            current.c.at.label("current_at"),
            current.c.channel.label("current_channel"),
            current.c.quality.label("current_quality"),
            estimated.label("estimated"),
        )
        .select_from(Meter)
        .outerjoin(spans, spans.c.meter_id == Meter.id)
        .outerjoin(before, true())
        .outerjoin(after, true())
        .outerjoin(current, true())
        # The account's meters by the index on their account, before any join: as `id IN (account_meters)`, the
        # planner joined every meter of the city first (a sequential scan, 25 ms a submission at 80,000 accounts).
        .where(
            *same_account_and_service,
            or_(Meter.id == meter_id, Meter.installed_on <= bindparam("day", type_=Date)),
        )
    )


_HISTORY = Prepared("meter_history", _history_statement())


def meter_history(
    connection: Connection, meter: MeterRef, window_id: int, period: dt.date, at: dt.datetime
) -> MeterHistory:
    rows = _HISTORY.execute(
        connection,
        {
            "meter_id": meter.id,
            "window_id": window_id,
            "period": period,
            "at": at,
            "cutoff": at - dt.timedelta(days=365),
            "day": at.astimezone(clock.KYIV).date(),
        },
    ).all()
    mine = next(row for row in rows if row.id == meter.id)
    spans = [MeterSpan(*(getattr(row, field.name) for field in fields(MeterSpan))) for row in rows]
    current = None
    if mine.current_id is not None:
        current = Candidate(
            read_at=mine.current_at,
            own=mine.current_channel == "cabinet",
            corrected=mine.current_quality == "corrected",
            order=mine.current_id,
        )
    installed = clock.kyiv_midnight(mine.installed_on)
    return MeterHistory(
        previous=meter.initial_value if mine.previous is None else mine.previous,
        previous_at=installed if mine.previous_at is None else mine.previous_at,
        next_value=mine.next_value,
        current=current,
        current_value=mine.current_value,
        average_daily=metering.average_daily(spans, at),
        estimated=Decimal(mine.estimated),
    )
