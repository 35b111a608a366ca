"""Totals the staff pages read instead of the ledger (db.models PaymentDayTotal, ChargeMonthTotal,
WindowReadingTotal, AccountBalance), kept up to date in the transaction that writes the rows they count.

Every write path calls one function here with what it wrote; the rows' figures are summed per key in Python and
added with one upsert (`x = x + excluded.x`), which the database applies atomically, so parallel writers lose no
update. Keys go in sorted order, so two transactions lock the same total rows in the same order (no deadlock).
Migration 0016 fills the totals from the rows already stored; `rebuild` does the same (the demo, after a bulk load).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Connection, Table, delete, func, insert, literal, select, text, union_all
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from core import clock, window_figures
from core.clock import KYIV
from db.models import (
    Account,
    AccountBalance,
    Charge,
    ChargeMonthTotal,
    Meter,
    Payment,
    PaymentDayTotal,
    Reading,
    WindowCurveDay,
    WindowFigures,
    WindowMetered,
    WindowReadingTotal,
)


class PaymentLike(Protocol):
    @property
    def paid_at(self) -> dt.datetime: ...
    @property
    def service(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def amount(self) -> Decimal: ...


class AccountPayment(PaymentLike, Protocol):
    @property
    def account_id(self) -> int: ...


Key = tuple[Any, ...]


def _sums(amounts: Iterable[tuple[Key, Decimal]]) -> dict[Key, tuple[Decimal, int]]:
    """Per key, the sum of its amounts and how many there are: the totals tables' aggregation rule."""
    totals: dict[Key, tuple[Decimal, int]] = {}
    for key, amount in amounts:
        total, count = totals.get(key, (Decimal(0), 0))
        totals[key] = (total + amount, count + 1)
    return totals


def payment_totals(payments: Iterable[PaymentLike]) -> dict[Key, tuple[Decimal, int]]:
    """(Kyiv day, service, channel) -> (amount, payments): the aggregation rule of PaymentDayTotal."""
    return _sums(((p.paid_at.astimezone(KYIV).date(), p.service, p.channel), p.amount) for p in payments)


def _upsert(connection: Connection, table: Table, keys: list[str], rows: dict[Key, tuple[Any, ...]]) -> None:
    if not rows:
        return
    names = [c.name for c in table.columns if c.name not in keys]
    ordered = sorted(rows.items())
    if connection.dialect.name == "postgresql":
        _upsert_arrays(connection, table, keys, names, ordered)
        return
    values = [dict(zip(keys, key)) | dict(zip(names, figures)) for key, figures in ordered]
    statement: Any = sqlite.insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=keys, set_={name: table.c[name] + statement.excluded[name] for name in names}
    )
    for start in range(0, len(values), 1000):
        connection.execute(statement, values[start : start + 1000])


def _upsert_arrays(
    connection: Connection, table: Table, keys: list[str], names: list[str], ordered: list[tuple[Key, tuple[Any, ...]]]
) -> None:
    """PostgreSQL: every row in one statement, a column per array (unnest, in the keys' order). A bank file's
    10,000 balances took 0.95 s as multi-row VALUES, nearly all of it building the statement; 40 ms this way."""
    columns = [*keys, *names]
    casts = ", ".join(
        f"CAST(:c{i} AS {table.c[name].type.compile(dialect=connection.dialect)}[])" for i, name in enumerate(columns)
    )
    listed = ", ".join(columns)
    updates = ", ".join(f"{name} = {table.name}.{name} + excluded.{name}" for name in names)
    statement = text(
        f"INSERT INTO {table.name} ({listed}) SELECT {listed} FROM unnest({casts}) WITH ORDINALITY "
        f"AS given({listed}, position) ORDER BY position "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    )
    values = [[*key, *figures] for key, figures in ordered]
    connection.execute(statement, {f"c{i}": [row[i] for row in values] for i in range(len(columns))})


def _connection(bind: Session | Connection) -> Connection:
    return bind.connection() if isinstance(bind, Session) else bind


def _add_to_balances(connection: Connection, amounts: Iterable[tuple[Key, Decimal]], paid: bool) -> None:
    """Add (account, service) amounts to the accounts' balances: charged, or paid when `paid`. Called after the
    day or month totals, so every money write locks its total rows first and its balance rows after, in order."""
    table: Any = AccountBalance.__table__
    zero = Decimal("0.00")
    rows = {key: ((zero, total) if paid else (total, zero)) for key, (total, _n) in _sums(amounts).items()}
    _upsert(connection, table, ["account_id", "service"], rows)


def add_payments(bind: Session | Connection, payments: Iterable[AccountPayment]) -> None:
    """Count payments just written (a reversal with its negative amount)."""
    payments = list(payments)
    connection = _connection(bind)
    table: Any = PaymentDayTotal.__table__
    _upsert(connection, table, ["day", "service", "channel"], dict(payment_totals(payments)))
    _add_to_balances(connection, (((p.account_id, p.service), p.amount) for p in payments), paid=True)


def add_charges(bind: Session | Connection, charges: Iterable[Charge]) -> None:
    """Count charges just written (a reversal with its negative amount to pay)."""
    charges = list(charges)
    connection = _connection(bind)
    table: Any = ChargeMonthTotal.__table__
    _upsert(connection, table, ["month", "service"], _sums(((c.month, c.service), c.amount_to_pay) for c in charges))
    _add_to_balances(connection, (((c.account_id, c.service), c.amount_to_pay) for c in charges), paid=False)


def _add_readings(connection: Connection, counts: dict[Key, int]) -> None:
    table: Any = WindowReadingTotal.__table__
    _upsert(connection, table, ["window_id", "street", "channel"], {k: (n,) for k, n in counts.items() if n and k[0]})


@dataclass(frozen=True)
class StandingChange:
    """A meter's standing reading in a window changed: `added` is the channel of the one that now stands, `removed`
    the channel of the one that stepped aside (None: no such reading). Both None: a reading was written for the
    window that does not stand (it counts nothing, but drops a closed window's records)."""

    meter_id: int
    window_id: int | None
    added: str | None
    removed: str | None
    street: str | None = None  # the meter's account's street, when the writer has it (None: looked up here)
    window_closes_at: dt.datetime | None = None  # when the writer has it (None: the window may have closed)


def standing_changed(
    bind: Session | Connection, meter_id: int, window_id: int | None, added: str | None, removed: str | None
) -> None:
    standing_changes(bind, [StandingChange(meter_id, window_id, added, removed)])


def standing_changes(bind: Session | Connection, changes: Iterable[StandingChange]) -> None:
    """Count many standing changes at once, in sorted key order. An import gathers its rows' changes and counts
    them after its last row: it then takes the total rows' locks once, last and in order, so a submission on a
    street the import has counted cannot wait on it while the import waits on that submission's meter."""
    written = [c for c in changes if c.window_id is not None]
    changes = [c for c in written if c.added != c.removed]
    if not written:
        return
    connection = _connection(bind)
    streets: dict[int, str] = {c.meter_id: c.street for c in changes if c.street is not None}
    meter_ids = sorted({c.meter_id for c in changes} - streets.keys())
    for start in range(0, len(meter_ids), 500):
        rows = connection.execute(
            select(Meter.id, Account.street)
            .join(Account, Account.id == Meter.account_id)
            .where(Meter.id.in_(meter_ids[start : start + 500]))
        )
        streets.update((meter_id, street) for meter_id, street in rows)
    counts: dict[Key, int] = defaultdict(int)
    for c in changes:
        if c.added is not None:
            counts[(c.window_id, streets[c.meter_id], c.added)] += 1
        if c.removed is not None:
            counts[(c.window_id, streets[c.meter_id], c.removed)] -= 1
    _add_readings(connection, counts)
    # Any reading written for a closed window drops its records, one that does not stand too (its date may be the
    # account's first in the window's curve). A window still open has no record to drop: records wait until a
    # window has been closed a while (SETTLE).
    now = clock.now()
    closed = {
        c.window_id
        for c in written
        if c.window_id is not None and (c.window_closes_at is None or c.window_closes_at <= now)
    }
    if closed:
        window_figures.forget(connection, closed)


def street_changed(bind: Session | Connection, account_id: int, old: str, new: str) -> None:
    """The register moved an account to another street: its standing readings' counts move with it."""
    if old == new:
        return
    connection = _connection(bind)
    counts: dict[Key, int] = {}
    for window_id, channel, n in connection.execute(
        select(Reading.window_id, Reading.channel, func.count())
        .join(Meter, Meter.id == Reading.meter_id)
        .where(Meter.account_id == account_id, Reading.status == "accepted", Reading.window_id.is_not(None))
        .group_by(Reading.window_id, Reading.channel)
    ):
        counts[(window_id, old, channel)] = -n
        counts[(window_id, new, channel)] = n
    _add_readings(connection, counts)


def _reading_totals(which: ColumnElement[bool]) -> Any:
    """Insert the standing readings' counts per window, street and channel of the windows `which` selects."""
    return insert(WindowReadingTotal).from_select(
        ["window_id", "street", "channel", "accepted"],
        select(Reading.window_id, Account.street, Reading.channel, func.count())
        .join(Meter, Meter.id == Reading.meter_id)
        .join(Account, Account.id == Meter.account_id)
        .where(Reading.status == "accepted", which)
        .group_by(Reading.window_id, Account.street, Reading.channel),
    )


def uncount_payments(bind: Session | Connection, payments: Iterable[AccountPayment]) -> None:
    """Take back the counts of payments about to be deleted: the benchmark removes what it imported, so that its
    database stays as generated. The product never deletes a payment (a reversal is a payment of its own)."""
    payments = list(payments)
    connection = _connection(bind)
    table: Any = PaymentDayTotal.__table__
    totals = {key: (-amount, -count) for key, (amount, count) in payment_totals(payments).items()}
    _upsert(connection, table, ["day", "service", "channel"], totals)
    for day, service, channel in totals:
        connection.execute(
            delete(PaymentDayTotal).where(
                PaymentDayTotal.day == day,
                PaymentDayTotal.service == service,
                PaymentDayTotal.channel == channel,
                PaymentDayTotal.payments == 0,
            )
        )
    _add_to_balances(connection, (((p.account_id, p.service), -p.amount) for p in payments), paid=True)


def recount_windows(bind: Session | Connection, window_ids: Iterable[int]) -> None:
    """Count the windows' standing readings again from the readings: the benchmark, after it deleted the readings
    it submitted and restored the ones they had replaced."""
    ids = sorted(set(window_ids))
    if not ids:
        return
    connection = _connection(bind)
    connection.execute(delete(WindowReadingTotal).where(WindowReadingTotal.window_id.in_(ids)))
    connection.execute(_reading_totals(Reading.window_id.in_(ids)))
    window_figures.forget(connection, ids)


def rebuild(session: Session) -> None:
    """Recount every total from the rows (after a bulk load that bypassed the write paths, e.g. the demo)."""
    from core.dashboard import kyiv_bucket, prepare

    prepare(session)
    for model in (
        PaymentDayTotal,
        ChargeMonthTotal,
        WindowReadingTotal,
        AccountBalance,
        WindowFigures,
        WindowCurveDay,
        WindowMetered,
    ):
        session.execute(delete(model))
    day = kyiv_bucket(session, Payment.paid_at, "day")
    session.execute(
        insert(PaymentDayTotal).from_select(
            ["day", "service", "channel", "amount", "payments"],
            select(func.date(day), Payment.service, Payment.channel, func.sum(Payment.amount), func.count()).group_by(
                day, Payment.service, Payment.channel
            ),
        )
    )
    session.execute(
        insert(ChargeMonthTotal).from_select(
            ["month", "service", "amount_to_pay", "charges"],
            select(Charge.month, Charge.service, func.sum(Charge.amount_to_pay), func.count()).group_by(
                Charge.month, Charge.service
            ),
        )
    )
    session.execute(_reading_totals(Reading.window_id.is_not(None)))
    charged = select(
        Charge.account_id, Charge.service, func.sum(Charge.amount_to_pay).label("charged"), literal(0).label("paid")
    ).group_by(Charge.account_id, Charge.service)
    paid = select(Payment.account_id, Payment.service, literal(0), func.sum(Payment.amount)).group_by(
        Payment.account_id, Payment.service
    )
    movements = union_all(charged, paid).subquery()
    session.execute(
        insert(AccountBalance).from_select(
            ["account_id", "service", "charged", "paid"],
            select(
                movements.c.account_id,
                movements.c.service,
                func.sum(movements.c.charged),
                func.sum(movements.c.paid),
            ).group_by(movements.c.account_id, movements.c.service),
        )
    )
