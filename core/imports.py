"""Imports of the three files the utility receives: the bank payment registry, the billing system's charges and
the water utility's meter readings.

The file is read by core.import_parsing (encoding, delimiter, header, truncation, trailer); `preview` runs the
whole import inside a transaction and rolls it back, `commit` runs the same code and commits it with an
ImportBatch row and an audit row. A row whose key is already stored with the same content is a duplicate, so
importing the same file twice adds nothing; with different content it is a conflict (core.import_conflicts),
listed and stored for staff, never skipped silently. Every rejected row carries its line number and the reason.
The column formats are documented in the README, with samples under data/samples/.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core import audit, balances, clock, import_conflicts
from core.charges import to_pay as expected_to_pay
from core.errors import DomainError
from core.formatting import number as formatted
from core.import_conflicts import Conflict, charge_key, charge_values, reading_values
from core.import_parsing import (KINDS, MAX_BYTES, Rejected, Table, Trailer, date_in_range, month_in_range,  # noqa: F401
                                 parse_decimal, parse_moment, parse_month, parse_service_name, read_table,
                                 value_reason)
from core.parsing import parse_account_number
from core.readings import record_reading
from core.reconciliation import RegistryRow, credit_registry_payments
from core.windows import WindowInfo
from db.models import Account, Charge, ImportBatch, Meter, ReadingWindow

READINGS_SOURCE = "water_utility"
BANK_SOURCE = "bank_registry"
CENT = Decimal("0.01")
PAYMENT_CHANNELS = ("bank", "post", "terminal", "cabinet")
REF_LENGTH = 80  # payments/readings/registry_matches.external_ref
ORDER_ID_LENGTH = 64


@dataclass(frozen=True)
class ImportResult:
    kind: str
    filename: str
    sha256: str
    encoding: str
    delimiter: str
    rows_total: int  # data lines in the file
    to_add: list[dict]  # what is (or would be) added, for the preview
    duplicates: list[int]  # line numbers skipped as already present with the same content
    rejected: list[Rejected]
    committed: bool
    batch_id: int | None = None
    imported_before: dt.datetime | None = None  # when an identical file was committed earlier
    conflicts: list[Conflict] = ()  # rows whose key is stored with different content
    file_total: Decimal = Decimal("0")  # the file's total column (amount; readings: m³) over its data lines
    trailer: Trailer | None = None  # the file's control line, already checked against the file

    @property
    def rows_added(self) -> int:
        return len(self.to_add)

    @property
    def added_total(self) -> Decimal:
        column = {"bank": "amount", "charges": "amount", "readings": "value"}[self.kind]
        return sum((row[column] for row in self.to_add), Decimal("0"))

    @property
    def truncated(self) -> bool:
        return any(r.key == "import.truncated" for r in self.rejected)


def _too_long(line: int, column: str, text: str | None, limit: int, rejected: list) -> bool:
    """True (with the reason added to `rejected`) when a reference would not fit its column."""
    if text and len(text) > limit:
        rejected.append(Rejected(line, "import.too_long", {"column": column, "limit": limit, "value": text[:40] + "…"}))
        return True
    return False


def _moment(line: int, text: str, now: dt.datetime, rejected: list) -> dt.datetime | None:
    """A date-time from 2000 on that has already happened by `now`, or None with the reason added to `rejected`."""
    try:
        moment = parse_moment(text)
    except ValueError as exc:
        rejected.append(Rejected(line, value_reason(exc, "import.date_format"), {"value": text}))
        return None
    if moment > now:
        rejected.append(Rejected(line, "import.future_date", {"value": text}))
        return None
    if not date_in_range(moment.date(), now):
        rejected.append(Rejected(line, "import.date_range", {"value": text}))
        return None
    return moment


def _in_file_conflict(line: int, key: str, incoming: dict, seen: dict, duplicates: list, rejected: list) -> bool:
    """True if the key came earlier in the same file: a duplicate line if equal, rejected if it differs."""
    if key not in seen:
        seen[key] = (line, incoming)
        return False
    first_line, first = seen[key]
    if first == incoming:
        duplicates.append(line)
    else:
        rejected.append(Rejected(line, "import.key_repeated", {"key": key, "first": first_line}))
    return True


# --- the three kinds -------------------------------------------------------------------------------------------

def _accounts(session: Session, numbers: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    ordered = sorted(numbers)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start:start + 500]
        found.update(session.execute(select(Account.number, Account.id).where(Account.number.in_(chunk))).tuples().all())
    return found


def _account_numbers(rows) -> dict[str, str | DomainError]:
    """Each distinct account-number text of the file -> the number it spells, or why it spells none.

    Parsed once per distinct text: a city's registry names each account many times."""
    numbers: dict[str, str | DomainError] = {}
    for _line, row in rows:
        text = row["account_number"]
        if text not in numbers:
            try:
                numbers[text] = parse_account_number(text)
            except DomainError as exc:
                numbers[text] = exc
    return numbers


def _account_and_service(line: int, row: dict, numbers: dict, accounts: dict[str, int],
                         rejected: list) -> tuple[str, str] | None:
    """The row's known account number and service, or None with the reason added to `rejected`."""
    number = numbers[row["account_number"]]
    if isinstance(number, DomainError):
        key = number.key if number.key == "digits.non_ascii" else "import.account_format"
        rejected.append(Rejected(line, key, {"value": row["account_number"]}))
        return None
    if number not in accounts:
        rejected.append(Rejected(line, "import.account_unknown", {"value": number}))
        return None
    try:
        return number, parse_service_name(row["service"])
    except ValueError:
        rejected.append(Rejected(line, "import.service_unknown", {"value": row["service"]}))
        return None


def _bank(session: Session, table: Table, batch_id: int | None, now: dt.datetime, to_add, duplicates, rejected,
          conflicts) -> None:
    numbers = _account_numbers(table.rows)
    accounts = _accounts(session, {n for n in numbers.values() if isinstance(n, str)})
    seen: dict[str, tuple] = {}
    candidates: list[tuple[int, str, RegistryRow]] = []
    for line, row in table.rows:
        named = _account_and_service(line, row, numbers, accounts, rejected)
        if named is None:
            continue
        number, service = named
        try:
            amount = parse_decimal(row["amount"], 2)
        except ValueError as exc:
            rejected.append(Rejected(line, value_reason(exc, "import.amount_format"),
                                     {"column": "amount", "value": row["amount"]}))
            continue
        if amount <= 0:
            rejected.append(Rejected(line, "import.amount_positive", {"value": row["amount"]}))
            continue
        paid_at = _moment(line, row["paid_at"], now, rejected)
        if paid_at is None:
            continue
        ref = row["payment_ref"]
        if not ref:
            rejected.append(Rejected(line, "import.ref_missing"))
            continue
        if _too_long(line, "payment_ref", ref, REF_LENGTH, rejected) or _too_long(
                line, "order_id", row.get("order_id"), ORDER_ID_LENGTH, rejected):
            continue
        channel = (row.get("channel") or "bank").lower()
        if channel not in PAYMENT_CHANNELS:
            rejected.append(Rejected(line, "import.channel_unknown", {"value": row.get("channel")}))
            continue
        amount = amount.quantize(CENT)
        if _in_file_conflict(line, ref, (accounts[number], service, amount, paid_at), seen, duplicates, rejected):
            continue
        candidates.append((line, number, RegistryRow(accounts[number], service, amount, paid_at, channel, ref,
                                                     row.get("order_id") or None)))
    stored = import_conflicts.stored_payments(session, BANK_SOURCE, [c[2].external_ref for c in candidates])
    numbers_by_id = {account_id: number for number, account_id in accounts.items()}
    fresh = []
    for line, number, row in candidates:
        known = stored.get(row.external_ref)
        if known is None:
            fresh.append((line, number, row))
        elif (known.account_id, known.service, known.amount, known.paid_at) == (
                row.account_id, row.service, row.amount, row.paid_at):
            duplicates.append(line)
        else:
            conflicts.append(Conflict(
                line, "bank", row.external_ref, known.payment_id or 0, row.account_id,
                known.values(numbers_by_id.get(known.account_id) or _number_of(session, known.account_id)),
                import_conflicts.values(account_number=number, service=row.service, amount=row.amount,
                                        paid_at=row.paid_at, channel=row.channel)))
    outcomes = credit_registry_payments(session, [c[2] for c in fresh], source=BANK_SOURCE, import_batch_id=batch_id)
    for (line, number, row), outcome in zip(fresh, outcomes):
        if outcome == "duplicate":
            duplicates.append(line)
        else:
            to_add.append({"line": line, "account_number": number, "service": row.service, "amount": row.amount,
                           "paid_at": row.paid_at, "payment_ref": row.external_ref, "order_id": row.order_id})


def _number_of(session: Session, account_id: int) -> str:
    return session.scalar(select(Account.number).where(Account.id == account_id)) or ""


CHARGE_PLACES = (("volume", 3), ("tariff", 4), ("amount", 2), ("discount_percent", 2), ("discount_amount", 2),
                 ("amount_to_pay", 2))


def _charge_figures(line: int, row: dict, rejected: list) -> dict | None:
    """The row's numbers, checked against each other: to pay = charge × (1 − discount/100), rounded half up to
    the kopeck, and the discount amount the rest (core.charges.to_pay). None with the reason in `rejected`."""
    values = {}
    for column, places in CHARGE_PLACES:
        text = row.get(column, "")
        if column in ("discount_percent", "discount_amount", "amount_to_pay") and not text:
            continue
        try:
            values[column] = parse_decimal(text, places)
        except ValueError as exc:
            rejected.append(Rejected(line, value_reason(exc, "import.number_format"), {"column": column, "value": text}))
            return None
        if values[column] < 0:
            rejected.append(Rejected(line, "import.negative", {"column": column, "value": text}))
            return None
    discount = values.setdefault("discount_percent", Decimal("0"))
    if discount > 100:
        rejected.append(Rejected(line, "import.discount_range", {"value": row.get("discount_percent")}))
        return None
    amount = values["amount"] = values["amount"].quantize(CENT)
    expected = expected_to_pay(amount, discount)
    given = values.get("amount_to_pay", expected)
    if given != expected:
        rejected.append(Rejected(line, "import.to_pay_mismatch", {
            "value": row["amount_to_pay"], "amount": formatted(amount, places=2),
            "percent": formatted(discount, places=2 if discount % 1 else 0), "expected": formatted(expected, places=2)}))
        return None
    if "discount_amount" in values and values["discount_amount"] != amount - expected:
        rejected.append(Rejected(line, "import.discount_amount_mismatch", {
            "value": row["discount_amount"], "expected": formatted(amount - expected, places=2)}))
        return None
    values["amount_to_pay"], values["discount_amount"] = expected, amount - expected
    return values


def _charges(session: Session, table: Table, batch_id: int | None, now: dt.datetime, to_add, duplicates, rejected,
             conflicts) -> None:
    numbers = _account_numbers(table.rows)
    accounts = _accounts(session, {n for n in numbers.values() if isinstance(n, str)})
    months = set()
    for _line, row in table.rows:
        try:
            months.add(parse_month(row["month"]))
        except ValueError:
            pass
    stored = import_conflicts.stored_charges(session, sorted(set(accounts.values())), sorted(months))
    seen: dict[str, tuple] = {}
    for line, row in table.rows:
        named = _account_and_service(line, row, numbers, accounts, rejected)
        if named is None:
            continue
        number, service = named
        try:
            month = parse_month(row["month"])
        except ValueError as exc:
            rejected.append(Rejected(line, value_reason(exc, "import.month_format"), {"value": row["month"]}))
            continue
        if not month_in_range(month, now):
            rejected.append(Rejected(line, "import.date_range", {"value": row["month"]}))
            continue
        values = _charge_figures(line, row, rejected)
        if values is None:
            continue
        incoming = charge_values(_Figures(**{k: values[k] for k in ("volume", "tariff", "amount", "discount_percent",
                                                                    "amount_to_pay")}))
        key = charge_key(number, service, month)
        if _in_file_conflict(line, key, incoming, seen, duplicates, rejected):
            continue
        known = stored.get((accounts[number], service, month))
        if known is not None:
            if charge_values(known) == incoming:
                duplicates.append(line)
            else:
                conflicts.append(Conflict(line, "charges", key, known.id, accounts[number], charge_values(known),
                                          incoming))
            continue
        session.add(Charge(account_id=accounts[number], service=service, month=month, volume=values["volume"],
                           tariff=values["tariff"], amount=values["amount"], discount_percent=values["discount_percent"],
                           discount_amount=values["discount_amount"], amount_to_pay=values["amount_to_pay"],
                           import_batch_id=batch_id))
        to_add.append({"line": line, "account_number": number, "service": service, "month": month,
                       **{k: values[k] for k in ("volume", "tariff", "amount", "discount_percent", "amount_to_pay")}})
    if to_add:
        balances.written_before(session, month=min(row["month"] for row in to_add))


@dataclass(frozen=True)
class _Figures:
    volume: Decimal
    tariff: Decimal
    amount: Decimal
    discount_percent: Decimal
    amount_to_pay: Decimal


def _readings(session: Session, table: Table, batch_id: int | None, actor: str, now: dt.datetime, to_add, duplicates,
              rejected, conflicts) -> None:
    refs = sorted({row["ref"] for _line, row in table.rows if row["ref"]})
    stored = import_conflicts.stored_readings(session, READINGS_SOURCE, refs)
    serials = sorted({row["meter_serial"] for _line, row in table.rows})
    meters: dict[str, Meter] = {}
    numbers: dict[int, str] = {}
    for start in range(0, len(serials), 500):
        for meter, number in session.execute(
            select(Meter, Account.number).join(Account, Account.id == Meter.account_id)
            .where(Meter.serial.in_(serials[start:start + 500]))
        ):
            meters[meter.serial], numbers[meter.id] = meter, number
    serial_of = {meter.id: serial for serial, meter in meters.items()}
    windows = [
        WindowInfo(w.id, w.period, w.opens_at, w.closes_at, w.processed_at)
        for w in session.scalars(select(ReadingWindow).order_by(ReadingWindow.opens_at))
    ]
    seen: dict[str, tuple] = {}
    for line, row in table.rows:
        ref = row["ref"]
        if not ref:
            rejected.append(Rejected(line, "import.ref_missing"))
            continue
        if _too_long(line, "ref", ref, REF_LENGTH, rejected):
            continue
        meter = meters.get(row["meter_serial"])
        if meter is None:
            rejected.append(Rejected(line, "import.meter_unknown", {"value": row["meter_serial"]}))
            continue
        if row.get("account_number") and re.sub(r"[\s\-]", "", row["account_number"]) != numbers[meter.id]:
            rejected.append(Rejected(line, "import.meter_account_mismatch",
                                     {"meter": meter.serial, "value": row["account_number"]}))
            continue
        try:
            value = parse_decimal(row["value"], 3)
        except ValueError as exc:
            rejected.append(Rejected(line, value_reason(exc, "import.number_format"),
                                     {"column": "value", "value": row["value"]}))
            continue
        if value < 0:
            rejected.append(Rejected(line, "import.negative", {"column": "value", "value": row["value"]}))
            continue
        read_at = _moment(line, row["read_at"], now, rejected)
        if read_at is None:
            continue
        incoming = reading_values(meter.serial, value, read_at)
        if _in_file_conflict(line, ref, incoming, seen, duplicates, rejected):
            continue
        known = stored.get(ref)
        if known is not None:
            known_values = reading_values(serial_of.get(known.meter_id) or _serial_of(session, known.meter_id),
                                          known.value, known.submitted_at)
            if known_values == incoming:
                duplicates.append(line)
            else:
                conflicts.append(Conflict(line, "readings", ref, known.id, meter.account_id, known_values, incoming))
            continue
        window = next((w for w in windows if w.opens_at <= read_at < w.closes_at), None)
        if window is None:
            rejected.append(Rejected(line, "import.outside_window", {"value": row["read_at"]}))
            continue
        try:
            with session.begin_nested():
                receipt = record_reading(
                    session, meter, value, window=window, channel="water_utility", submitted_at=read_at, actor=actor,
                    confirm_jump=True, confirm_replace=True, source=READINGS_SOURCE, external_ref=ref,
                    import_batch_id=batch_id, now=now,
                )
        except DomainError as exc:
            rejected.append(Rejected(line, exc.key, exc.params))
            continue
        to_add.append({"line": line, "meter_serial": meter.serial, "value": value, "read_at": read_at,
                       "period": window.period, "consumption": receipt.consumption, "flagged": receipt.flagged,
                       "ref": ref})


def _serial_of(session: Session, meter_id: int) -> str:
    return session.scalar(select(Meter.serial).where(Meter.id == meter_id)) or ""


def _run(session: Session, kind: str, filename: str, data: bytes, actor: str, commit: bool) -> ImportResult:
    table = read_table(kind, data)
    sha = hashlib.sha256(data).hexdigest()
    imported_before = session.scalar(
        select(ImportBatch.created_at).where(ImportBatch.file_sha256 == sha, ImportBatch.kind == kind)
        .order_by(ImportBatch.created_at))
    now = clock.now()
    # Written in the preview too (and rolled back with it): the first write opens the transaction, so the
    # per-row savepoints below nest inside it on every driver.
    batch = ImportBatch(kind=kind, filename=filename[:255], file_sha256=sha, created_at=now, created_by=actor)
    session.add(batch)
    session.flush()
    to_add: list[dict] = []
    duplicates: list[int] = []
    rejected: list[Rejected] = list(table.rejected)
    found: list[Conflict] = []
    batch_id = batch.id
    if kind == "bank":
        _bank(session, table, batch_id, now, to_add, duplicates, rejected, found)
    elif kind == "charges":
        _charges(session, table, batch_id, now, to_add, duplicates, rejected, found)
    else:
        _readings(session, table, batch_id, actor, now, to_add, duplicates, rejected, found)
    conflicts = import_conflicts.record(session, found, filename=filename, batch_id=batch_id, now=now)
    session.flush()
    rejected.sort(key=lambda r: r.line)
    total = table.data_rows
    batch.rows_total, batch.rows_added = total, len(to_add)
    batch.rows_duplicate, batch.rows_rejected, batch.rows_conflict = len(duplicates), len(rejected), len(conflicts)
    if commit:
        audit.record(session, at=now, actor_type="staff", actor=actor, action="import.committed", entity="import_batch",
                     entity_id=batch.id, kind=kind, filename=filename, sha256=sha, rows=total, added=len(to_add),
                     duplicates=len(duplicates), rejected=len(rejected), conflicts=len(conflicts),
                     file_total=str(table.total))
    return ImportResult(kind, filename, sha, table.encoding, table.delimiter, total, to_add, duplicates, rejected,
                        commit, batch_id if commit else None, imported_before, conflicts, table.total, table.trailer)


def preview(sessions: sessionmaker[Session], kind: str, filename: str, data: bytes, actor: str = "preview") -> ImportResult:
    """Everything the import would do, computed inside a transaction that is rolled back."""
    session = sessions()
    try:
        session.begin()
        return _run(session, kind, filename, data, actor, commit=False)
    finally:
        session.rollback()
        session.close()


def commit(sessions: sessionmaker[Session], kind: str, filename: str, data: bytes, actor: str) -> ImportResult:
    """Import the file in one transaction, with its ImportBatch row and an audit row."""
    with sessions.begin() as session:
        return _run(session, kind, filename, data, actor, commit=True)


@dataclass(frozen=True)
class BatchView:
    id: int
    kind: str
    filename: str
    created_at: dt.datetime
    created_by: str
    rows_total: int
    rows_added: int
    rows_duplicate: int
    rows_rejected: int
    rows_conflict: int = 0


def recent_batches(sessions: sessionmaker[Session], limit: int = 20) -> list[BatchView]:
    with sessions() as session:
        return [
            BatchView(b.id, b.kind, b.filename, b.created_at, b.created_by, b.rows_total, b.rows_added,
                      b.rows_duplicate, b.rows_rejected, b.rows_conflict)
            for b in session.scalars(select(ImportBatch).order_by(ImportBatch.created_at.desc(), ImportBatch.id.desc())
                                     .limit(limit))
        ]
