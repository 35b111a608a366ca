"""Import conflicts: a file row whose key matches a stored row with different content.

A bank row's key is its `payment_ref`, a charge's its account + service + month, a water-utility reading's the
utility's `ref`. The same key with the same content is a duplicate and adds nothing; with different content it
is a conflict: never skipped silently, listed in the import's preview and on the staff page «Конфлікти імпорту»,
and stored once per key and distinct content (unique index) however often the file is imported.

An operator or admin resolves a conflict. Money is never updated in place: a payment gets a reversing payment
(negative amount, `<ref>#revN`, linked to it) and the corrected payment (`<ref>#fixN`); a charge gets a reversal
row (negated figures) and the corrected row for the same month, so every sum (statement, debt, balances) gives
the corrected amount and the original stays visible; a reading is superseded by the corrected one through the
reading rules. Each resolution is audited (core.conflict_resolution). Once resolved, the corrected row is what the
key stands for: the corrected file imported again is a duplicate.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Row, Select, SQLColumnExpression, String, any_, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, sessionmaker

from core import formatting
from core.i18n import DEFAULT_LANGUAGE, t
from core.parsing import SERVICES
from db.models import Account, Charge, ImportConflict, Payment, Reading, RegistryMatch

STATUSES = ("open", "resolved", "dismissed")
REF_LENGTH = 80


@dataclass(frozen=True)
class Conflict:
    """One conflicting row of a file, as the preview lists it (`id`/`status` once stored)."""

    line: int
    kind: str
    key: str
    stored_id: int
    account_id: int | None
    stored: dict[str, str]
    incoming: dict[str, str]
    id: int | None = None
    status: str = "open"

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.incoming)

    @property
    def differences(self) -> list[str]:
        """The fields whose values differ, in the incoming row's order."""
        return [name for name, value in self.incoming.items() if name in self.stored and self.stored[name] != value]


def fingerprint(values: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def text_of(value: object) -> str:
    """Values as the conflict stores and compares them: Decimals normalised (`1500.00` = `1500`), times in UTC."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value else "0"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def values(**fields: object) -> dict[str, str]:
    return {name: text_of(value) for name, value in fields.items()}


def charge_key(number: str, service: str, month: dt.date) -> str:
    return f"{number}/{service}/{month:%Y-%m}"


def charge_key_parts(key: str) -> tuple[str, str, dt.date] | None:
    """The account number, service and month a charge's key stands for, so staff read them in words; None for a
    key that is not one (a stored key cut at its column's length, or another kind's)."""
    number, service, month, *rest = [*key.split("/"), "", ""]
    if any(rest) or not number or not service:
        return None
    try:
        return number, service, dt.date.fromisoformat(month + "-01")
    except ValueError:
        return None


@dataclass(frozen=True)
class RecordName:
    """The record a key stands for, in words, in the language its message is finally shown in (core.i18n.t):
    a charge's account, service and month, a payment's or a reading's reference as the bank or the water utility
    gave it; a key of unknown shape as it is."""

    kind: str  # bank | charges | readings
    key: str

    def localized(self, lang: str) -> str:
        if self.kind == "charges" and (parts := charge_key_parts(self.key)) is not None:
            number, service, month = parts
            name = t(f"service.{service}", lang).lower() if service in SERVICES else service
            return t(
                "staff.conflict.charge_record",
                lang,
                account=number,
                service=name,
                month=formatting.month(month, lang),
            )
        if self.kind == "bank":
            return t("staff.conflict.payment_record", lang, ref=self.key)
        if self.kind == "readings":
            return t("staff.conflict.reading_record", lang, ref=self.key)
        return self.key

    def __str__(self) -> str:
        return self.localized(DEFAULT_LANGUAGE)


def _chunks(
    session: Session,
    column: SQLColumnExpression[Any],
    keys: list[Any],
    query: Callable[[ColumnElement[bool]], Select[Any]],
) -> Iterator[Row[Any]]:
    """Rows of `query(condition)` for `column` in `keys`: one array parameter on PostgreSQL, IN lists elsewhere."""
    if not keys:
        return
    if session.connection().dialect.name == "postgresql" and isinstance(keys[0], str):
        yield from session.execute(query(column == any_(bindparam("keys", keys, type_=ARRAY(String)))))
        return
    for start in range(0, len(keys), 1000):
        yield from session.execute(query(column.in_(keys[start : start + 1000])))


def corrected_ids(session: Session, kind: str, keys: list[str]) -> dict[str, int]:
    """Per key, the row its latest resolution wrote: what the key stands for now."""
    found: dict[str, tuple[dt.datetime, int, int]] = {}
    for key, resolved_at, conflict_id, corrected in _chunks(
        session,
        ImportConflict.key,
        keys,
        lambda condition: select(
            ImportConflict.key, ImportConflict.resolved_at, ImportConflict.id, ImportConflict.corrected_id
        ).where(
            ImportConflict.kind == kind,
            ImportConflict.status == "resolved",
            ImportConflict.corrected_id.is_not(None),
            condition,
        ),
    ):
        if key not in found or (resolved_at, conflict_id) > found[key][:2]:
            found[key] = (resolved_at, conflict_id, corrected)
    return {key: corrected for key, (_at, _id, corrected) in found.items()}


# --- what each key stands for now -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredPayment:
    payment_id: int | None  # None: a registry row for a cabinet payment the provider's callback credited
    account_id: int
    service: str
    amount: Decimal
    paid_at: dt.datetime
    channel: str | None  # None: that registry row's channel was not kept (RegistryMatch has none)

    def values(self, number: str) -> dict[str, str]:
        """The fields a conflict compares with the file's row (core.import_bank), the channel among them."""
        stored = values(account_number=number, service=self.service, amount=self.amount, paid_at=self.paid_at)
        return stored if self.channel is None else stored | {"channel": self.channel}


# A payment's columns in StoredPayment's order.
_PAYMENT_COLUMNS = (Payment.id, Payment.account_id, Payment.service, Payment.amount, Payment.paid_at, Payment.channel)


def stored_payments(session: Session, source: str, refs: list[str]) -> dict[str, StoredPayment]:
    """Per payment_ref already imported from `source`, the payment it stands for now (corrections followed)."""
    stored: dict[str, StoredPayment] = {}
    for ref, account_id, service, amount, paid_at in _chunks(
        session,
        RegistryMatch.external_ref,
        refs,
        lambda condition: select(
            RegistryMatch.external_ref,
            RegistryMatch.account_id,
            RegistryMatch.service,
            RegistryMatch.amount,
            RegistryMatch.paid_at,
        ).where(RegistryMatch.source == source, condition),
    ):
        stored[ref] = StoredPayment(None, account_id, service, amount, paid_at, None)
    for ref, *row in _chunks(
        session,
        Payment.external_ref,
        refs,
        lambda condition: select(Payment.external_ref, *_PAYMENT_COLUMNS).where(Payment.source == source, condition),
    ):
        stored[ref] = StoredPayment(*row)
    corrected = corrected_ids(session, "bank", sorted(stored))
    if corrected:
        by_id = {
            row[0]: StoredPayment(*row)
            for row in session.execute(select(*_PAYMENT_COLUMNS).where(Payment.id.in_(sorted(set(corrected.values())))))
        }
        stored.update({ref: by_id[payment_id] for ref, payment_id in corrected.items()})
    return stored


class ChargeFigures(Protocol):
    """A stored Charge or an imported row's figures."""

    @property
    def volume(self) -> Decimal: ...
    @property
    def tariff(self) -> Decimal: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def discount_percent(self) -> Decimal: ...
    @property
    def amount_to_pay(self) -> Decimal: ...


def charge_values(charge: ChargeFigures) -> dict[str, str]:
    return values(
        volume=charge.volume,
        tariff=charge.tariff,
        amount=charge.amount,
        discount_percent=charge.discount_percent,
        amount_to_pay=charge.amount_to_pay,
    )


def stored_charges(
    session: Session, account_ids: list[int], months: list[dt.date]
) -> dict[tuple[int, str, dt.date], Charge]:
    """Per (account_id, service, month) of these accounts and months, the charge it stands for now: the billing's
    own row, or the corrected row of its latest resolution."""
    rows: dict[tuple[int, str, dt.date], list[Charge]] = {}
    for (charge,) in _chunks(
        session,
        Charge.account_id,
        account_ids,
        lambda condition: select(Charge).where(condition, Charge.month.in_(months)),
    ):
        rows.setdefault((charge.account_id, charge.service, charge.month), []).append(charge)
    standing = {}
    for key, charges in rows.items():
        reversed_ids = {c.reverses_id for c in charges if c.reverses_id is not None}
        live = [c for c in charges if c.reverses_id is None and c.id not in reversed_ids]
        standing[key] = max(live, key=lambda c: c.id) if live else None
    return {key: charge for key, charge in standing.items() if charge is not None}


def stored_readings(session: Session, source: str, refs: list[str]) -> dict[str, Reading]:
    stored: dict[str, Reading] = {}
    for (reading,) in _chunks(
        session,
        Reading.external_ref,
        refs,
        lambda condition: select(Reading).where(Reading.source == source, condition),
    ):
        stored[reading.external_ref] = reading
    corrected = corrected_ids(session, "readings", sorted(stored))
    if corrected:
        by_id = {
            r.id: r for r in session.scalars(select(Reading).where(Reading.id.in_(sorted(set(corrected.values())))))
        }
        stored.update({ref: by_id[reading_id] for ref, reading_id in corrected.items()})
    return stored


def reading_values(meter_serial: str, value: Decimal, read_at: dt.datetime) -> dict[str, str]:
    return values(meter_serial=meter_serial, value=value, read_at=read_at)


# --- storing and listing ----------------------------------------------------------------------------------------


def record(
    session: Session, conflicts: list[Conflict], *, filename: str, batch_id: int | None, now: dt.datetime
) -> list[Conflict]:
    """Store each conflict once (the unique key and content; a concurrent import inserts nothing twice) and
    return them with their stored id and status."""
    if not conflicts:
        return []
    dialect = session.connection().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    rows = [
        dict(
            kind=c.kind,
            key=c.key[:120],
            fingerprint=c.fingerprint,
            stored_id=c.stored_id,
            account_id=c.account_id,
            stored=json.dumps(c.stored, ensure_ascii=False),
            incoming=json.dumps(c.incoming, ensure_ascii=False),
            line=c.line,
            filename=filename[:255],
            import_batch_id=batch_id,
            status="open",
            created_at=now,
        )
        for c in conflicts
    ]
    for start in range(0, len(rows), 1000):
        session.execute(
            insert(ImportConflict).on_conflict_do_nothing(index_elements=["kind", "key", "fingerprint"]),
            rows[start : start + 1000],
        )
    known = {}
    for conflict_id, key, fp, status in _chunks(
        session,
        ImportConflict.key,
        sorted({c.key[:120] for c in conflicts}),
        lambda condition: select(
            ImportConflict.id, ImportConflict.key, ImportConflict.fingerprint, ImportConflict.status
        ).where(ImportConflict.kind == conflicts[0].kind, condition),
    ):
        known[(key, fp)] = (conflict_id, status)
    return [
        replace(c, id=known[(c.key[:120], c.fingerprint)][0], status=known[(c.key[:120], c.fingerprint)][1])
        for c in conflicts
    ]


@dataclass(frozen=True, kw_only=True)
class ConflictView(Conflict):
    """A stored conflict as the staff list shows it: the row of the file and what became of it."""

    account_number: str | None
    filename: str
    import_batch_id: int | None
    created_at: dt.datetime
    resolved_by: str | None
    resolved_at: dt.datetime | None
    note: str | None


def list_conflicts(
    sessions: sessionmaker[Session], status: str | None = "open", limit: int | None = 500
) -> list[ConflictView]:
    """Newest first; `limit=None`: all of them (the staff page shows 200 and downloads the rest)."""
    with sessions() as session:
        query = (
            select(ImportConflict, Account.number)
            .outerjoin(Account, Account.id == ImportConflict.account_id)
            .order_by(ImportConflict.created_at.desc(), ImportConflict.id.desc())
            .limit(limit)
        )
        if status is not None:
            query = query.where(ImportConflict.status == status)
        found = session.execute(query).all()
        stored = {c.id: json.loads(c.stored) for c, _number in found}
        _add_stored_channels(session, [c for c, _number in found], stored)
        return [
            ConflictView(
                line=c.line,
                kind=c.kind,
                key=c.key,
                stored_id=c.stored_id,
                account_id=c.account_id,
                stored=stored[c.id],
                incoming=json.loads(c.incoming),
                id=c.id,
                status=c.status,
                account_number=number,
                filename=c.filename,
                import_batch_id=c.import_batch_id,
                created_at=c.created_at,
                resolved_by=c.resolved_by,
                resolved_at=c.resolved_at,
                note=c.note,
            )
            for c, number in found
        ]


def _add_stored_channels(session: Session, conflicts: list[ImportConflict], stored: dict[int, dict[str, str]]) -> None:
    """A payment conflict recorded before its stored side kept the channel gets the channel of the payment it
    was recorded against (payments are never changed, so it is the channel the payment had then)."""
    lacking = {
        c.id: c.stored_id for c in conflicts if c.kind == "bank" and c.stored_id and "channel" not in stored[c.id]
    }
    if not lacking:
        return
    channels = dict(
        session.execute(select(Payment.id, Payment.channel).where(Payment.id.in_(sorted(set(lacking.values())))))
        .tuples()
        .all()
    )
    for conflict_id, payment_id in lacking.items():
        if payment_id in channels:
            stored[conflict_id]["channel"] = channels[payment_id]


def counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        return dict(
            session.execute(select(ImportConflict.status, func.count()).group_by(ImportConflict.status)).tuples().all()
        )
