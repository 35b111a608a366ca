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

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, sessionmaker

from core import audit, clock, export
from core.errors import DomainError
from core.estimates import AdditionalChargeLine, MeterLine, estimate
from core.jobs import lock, refresh_statistics
from core.queries import read_rows, with_meter_and_account
from core.recalculations import RecalculationLine, _pending_recalculations, _stored_recalculations
from db.models import Account, AdditionalCharge, Meter, Reading, ReadingWindow, Recalculation


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


STREAMED_ROWS = 2_000  # a stored list is read in parts: a city's 136,000 rows are never all in memory as rows too


def stored_lines(
    session: Session, window_id: int, where: Sequence[ColumnElement[bool]] = (), limit: int | None = None
) -> list[AdditionalChargeLine] | None:
    """The window's stored lines (those `where` keeps, the first `limit`), ordered by street and account, with what
    each estimate was made of; None if one was stored before that was kept (migration 0017)."""
    query = (
        select(
            Account.id,
            Account.number,
            Account.address,
            Account.street,
            Meter.id,
            Meter.serial,
            AdditionalCharge.residents,
            AdditionalCharge.months_without,
            AdditionalCharge.rule,
            AdditionalCharge.average_daily,
            AdditionalCharge.days,
            AdditionalCharge.volume,
            AdditionalCharge.tariff,
            AdditionalCharge.amount,
        )
        .join(Account, Account.id == AdditionalCharge.account_id)
        .join(Meter, Meter.id == AdditionalCharge.meter_id)
        .where(AdditionalCharge.window_id == window_id, *where)
        .order_by(Account.street, Account.number, AdditionalCharge.id)
        .limit(limit)
    )
    if limit is None:  # the whole list is streamed; a page of it comes at once (a server-side cursor: 25 ms more)
        query = query.execution_options(yield_per=STREAMED_ROWS)
    rows = session.connection().execute(query)
    # One object per repeated value of a column, as core.estimates.estimate keeps them.
    streets: dict[str, str] = {}
    rules: dict[str, str] = {}
    volumes: dict[Decimal, Decimal] = {}
    tariffs: dict[Decimal, Decimal] = {}
    amounts: dict[Decimal, Decimal] = {}
    lines = []
    for account_id, number, address, street, meter_id, serial, *figures in rows:
        residents, months_without, rule, average_daily, days, volume, tariff, amount = figures
        if days is None:
            rows.close()
            return None
        lines.append(
            AdditionalChargeLine(
                account_id,
                number,
                address,
                streets.setdefault(street, street),
                meter_id,
                serial,
                residents,
                months_without,
                rules.setdefault(rule, rule),
                average_daily,
                days,
                volumes.setdefault(volume, volume),
                tariffs.setdefault(tariff, tariff),
                amounts.setdefault(amount, amount),
            )
        )
    return lines


def _stored_additional_charges(session: Session, window: ReadingWindow) -> list[AdditionalChargeLine]:
    """The lines as processing stored them, with what each estimate was made of."""
    lines = stored_lines(session, window.id)
    return _estimated_again(session, window) if lines is None else lines


def _estimated_again(session: Session, window: ReadingWindow) -> list[AdditionalChargeLine]:
    """Lines stored before what an estimate was made of was kept (migration 0017): a new estimate of the same
    meters, with their stored volume, rule and amount."""
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


_Row = TypeVar("_Row", AdditionalCharge, Recalculation)


def _row_of(model: type[_Row], line: MeterLine, **values: object) -> _Row:
    """The `model` row that stores `line`: the line's fields that are the table's columns, and `values`."""
    columns = model.__table__.columns.keys()
    stored = {field.name: getattr(line, field.name) for field in dataclasses.fields(line) if field.name in columns}
    return model(**stored, **values)


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
        stamp = {"window_id": window.id, "created_at": now}
        session.add_all(_row_of(AdditionalCharge, line, **stamp) for line in lines)
        session.add_all(_row_of(Recalculation, line, **stamp) for line in recalculations)
        window.processed_at, window.processed_by = now, actor
        audit.staff_action(
            session,
            actor,
            "window.processed",
            "reading_window",
            window.period.isoformat(),
            at=now,
            lines=len(lines),
            volume=str(sum((line.volume for line in lines), Decimal(0))),
            amount=str(sum((line.amount for line in lines), Decimal(0))),
            recalculations=len(recalculations),
            recalculated_volume=str(sum((r.volume for r in recalculations), Decimal(0))),
            recalculated_amount=str(sum((r.amount for r in recalculations), Decimal(0))),
        )
    refresh_statistics(sessions, AdditionalCharge.__tablename__, Recalculation.__tablename__)
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
    columns = select(
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
    flagged = (Reading.window_id == window_id, Reading.status == "accepted", Reading.flagged)  # as its index
    query = with_meter_and_account(columns).where(*flagged).order_by(Account.street, Account.number)
    return read_rows(sessions, FlaggedReading, query)


def count_by_street_and_reason(
    by_street: Iterable[tuple[str, Iterable[tuple[str, int]]]], flagged: Iterable[FlaggedReading]
) -> dict[str, dict[str, int]]:
    """street -> {"average"/"norm"/"flagged": accounts}, from the window's lines per street and rule
    (core.charge_lists' totals) and its flagged readings; the streets with the most first."""
    table: dict[str, dict[str, int]] = {street: dict(rules) for street, rules in by_street}
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
