"""Imports of the three files the utility receives: the bank payment registry, the billing system's charges and
the water utility's meter readings.

A file is decoded (UTF-8 with or without BOM, or Windows-1251), its delimiter sniffed (`;` or `,`), every row
validated; `preview` runs the whole import inside a transaction and rolls it back, `commit` runs the same code and
commits it with an ImportBatch row and an audit row. Rows already in the database (or repeated in the file) are
skipped as duplicates, so importing the same file twice adds nothing. Every rejected row carries its line number
and the reason. The column formats are documented in the README, with samples under data/samples/.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core import audit, balances, clock
from core.clock import KYIV
from core.errors import DomainError
from core.parsing import parse_account_number
from core.readings import record_reading
from core.reconciliation import RegistryRow, credit_registry_payments
from core.windows import WindowInfo
from db.models import Account, Charge, ImportBatch, Meter, Reading, ReadingWindow

KINDS = ("bank", "charges", "readings")
MAX_BYTES = 50 * 1024 * 1024
READINGS_SOURCE = "water_utility"
BANK_SOURCE = "bank_registry"
CENT = Decimal("0.01")

# Column name -> accepted header spellings (compared lower-case, spaces and dashes as underscores).
COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "bank": {
        "account_number": ("account_number", "account", "особовий_рахунок", "рахунок"),
        "service": ("service", "послуга"),
        "amount": ("amount", "сума"),
        "paid_at": ("paid_at", "date", "дата", "дата_оплати"),
        "payment_ref": ("payment_ref", "ref", "reference", "номер_платежу"),
        "order_id": ("order_id", "замовлення"),
        "channel": ("channel", "канал"),
    },
    "charges": {
        "account_number": ("account_number", "account", "особовий_рахунок", "рахунок"),
        "service": ("service", "послуга"),
        "month": ("month", "period", "місяць", "період"),
        "volume": ("volume", "обсяг"),
        "tariff": ("tariff", "тариф"),
        "amount": ("amount", "нараховано", "сума"),
        "discount_percent": ("discount_percent", "discount", "знижка", "пільга"),
        "amount_to_pay": ("amount_to_pay", "до_сплати"),
    },
    "readings": {
        "meter_serial": ("meter_serial", "meter", "лічильник", "номер_лічильника"),
        "value": ("value", "reading", "показання"),
        "read_at": ("read_at", "date", "дата", "дата_показання"),
        "ref": ("ref", "reference", "external_ref", "номер_запису"),
        "account_number": ("account_number", "account", "особовий_рахунок", "рахунок"),
    },
}
REQUIRED = {
    "bank": ("account_number", "service", "amount", "paid_at", "payment_ref"),
    "charges": ("account_number", "service", "month", "volume", "tariff", "amount"),
    "readings": ("meter_serial", "value", "read_at", "ref"),
}
SERVICE_NAMES = {
    "heating": "heating", "опалення": "heating", "цо": "heating",
    "hot_water": "hot_water", "гаряча вода": "hot_water", "гаряча_вода": "hot_water", "гвп": "hot_water",
}
PAYMENT_CHANNELS = ("bank", "post", "terminal", "cabinet")
NUMBER_DIGITS = 12  # every amount, volume and tariff column is NUMERIC(12, places)
REF_LENGTH = 80  # payments/readings/registry_matches.external_ref
ORDER_ID_LENGTH = 64

_HEADER_GAPS = re.compile(r"[\s\-]+")
_NUMBER_GAPS = re.compile(r"[\s\u00a0\u202f]")
_NUMBER = re.compile(r"-?\d+([.,]\d+)?")
# The common `2026-11-02 14:30[:00]` / `2026-11-02T14:30[:00]` / `2026-11-02`, read without strptime (which is
# ~10x slower); anything else goes through the patterns in parse_moment.
_ISO_MOMENT = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[ T]([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?)?")


@dataclass(frozen=True)
class Rejected:
    line: int
    key: str
    params: dict = field(default_factory=dict)

    def message(self, lang: str = "uk") -> str:
        return DomainError(self.key, **self.params).message(lang)


@dataclass(frozen=True)
class ImportResult:
    kind: str
    filename: str
    sha256: str
    encoding: str
    delimiter: str
    rows_total: int
    to_add: list[dict]  # what is (or would be) added, for the preview
    duplicates: list[int]  # line numbers skipped as already present
    rejected: list[Rejected]
    committed: bool
    batch_id: int | None = None
    imported_before: dt.datetime | None = None  # when an identical file was committed earlier

    @property
    def rows_added(self) -> int:
        return len(self.to_add)


# --- decoding and parsing --------------------------------------------------------------------------------------

def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name). UTF-8 (BOM optional) first, then Windows-1251; anything else is refused."""
    if not data.strip():
        raise DomainError("import.empty")
    if b"\x00" in data:
        raise DomainError("import.encoding")
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1251")
    except UnicodeDecodeError as exc:
        raise DomainError("import.encoding") from exc
    letters = [c for c in text if c.isalpha()]
    control = sum(1 for c in text if ord(c) < 32 and c not in "\r\n\t")
    if control or (letters and sum(1 for c in letters if "\u0400" <= c <= "\u04ff" or c.isascii()) < 0.9 * len(letters)):
        raise DomainError("import.encoding")
    return text, "Windows-1251"


def _normal_header(name: str) -> str:
    return _HEADER_GAPS.sub("_", name.strip().lower())


def sniff_delimiter(first_line: str) -> str:
    return ";" if first_line.count(";") >= first_line.count(",") else ","


def parse_decimal(text: str, places: int) -> Decimal:
    """A number with a decimal comma or point and optional spaces between thousands."""
    raw = _NUMBER_GAPS.sub("", text or "")
    number = _NUMBER.fullmatch(raw)
    if not number or len(number[1] or ".") - 1 > places:  # group 1: the separator and the decimals
        raise ValueError(text)
    value = Decimal(raw.replace(",", "."))
    if abs(value) >= 10 ** (NUMBER_DIGITS - places):
        raise NumberTooLarge(text)
    return value


class NumberTooLarge(ValueError):
    """More digits than the database column holds (NUMERIC(12, places)): rejected, never truncated."""


def _number_reason(exc: ValueError, format_key: str) -> str:
    return "import.number_too_large" if isinstance(exc, NumberTooLarge) else format_key


def _too_long(line: int, column: str, text: str | None, limit: int, rejected: list) -> bool:
    """True (with the reason added to `rejected`) when a reference would not fit its column."""
    if text and len(text) > limit:
        rejected.append(Rejected(line, "import.too_long", {"column": column, "limit": limit, "value": text[:40] + "…"}))
        return True
    return False


def parse_moment(text: str) -> dt.datetime:
    """`2026-11-02 14:30`, `2026-11-02T14:30:00`, `02.11.2026 14:30` or a bare date (noon), Kyiv time."""
    raw = (text or "").strip()
    iso = _ISO_MOMENT.fullmatch(raw)
    if iso:
        year, month, day, hour, minute, second = iso.groups()
        try:
            if hour is None:
                return dt.datetime(int(year), int(month), int(day), 12, tzinfo=KYIV)
            return dt.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), tzinfo=KYIV)
        except ValueError:
            pass  # e.g. 2026-02-30: the patterns below refuse it too
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M",
                    "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M"):
        try:
            return dt.datetime.strptime(raw, pattern).replace(tzinfo=KYIV)
        except ValueError:
            continue
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            day = dt.datetime.strptime(raw, pattern)
            return day.replace(hour=12, tzinfo=KYIV)
        except ValueError:
            continue
    raise ValueError(text)


def parse_month(text: str) -> dt.date:
    """`2026-10`, `2026-10-01` or `10.2026`."""
    raw = (text or "").strip()
    for pattern in ("%Y-%m", "%Y-%m-%d", "%m.%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(raw, pattern).date().replace(day=1)
        except ValueError:
            continue
    raise ValueError(text)


def parse_service_name(text: str) -> str:
    raw = (text or "").strip()
    service = SERVICE_NAMES.get(raw) or SERVICE_NAMES.get(raw.lower())
    if service is None:
        raise ValueError(text)
    return service


@dataclass
class _Table:
    encoding: str
    delimiter: str
    rows: list[tuple[int, dict[str, str]]]  # (line number, column -> text)
    rejected: list[Rejected]


def read_table(kind: str, data: bytes) -> _Table:
    """Decode, sniff, map the header; rows with a wrong number of fields are rejected here."""
    if kind not in KINDS:
        raise DomainError("import.kind_unknown")
    if len(data) > MAX_BYTES:
        raise DomainError("import.too_large")
    text, encoding = decode(data)
    lines = text.splitlines()
    header_line = next((line for line in lines if line.strip()), "")
    delimiter = sniff_delimiter(header_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        records = [(reader.line_num, record) for record in reader]
    except csv.Error as exc:
        raise DomainError("import.malformed", line=reader.line_num) from exc
    records = [(n, r) for n, r in records if any(cell.strip() for cell in r)]
    if not records:
        raise DomainError("import.empty")
    header_number, header = records[0]
    names = [_normal_header(h) for h in header]
    mapping: dict[int, str] = {}
    for index, name in enumerate(names):
        for column, spellings in COLUMNS[kind].items():
            if name in spellings and column not in mapping.values():
                mapping[index] = column
    missing = [c for c in REQUIRED[kind] if c not in mapping.values()]
    if missing:
        raise DomainError("import.columns", columns=", ".join(missing), expected=", ".join(REQUIRED[kind]))
    rows, rejected = [], []
    for line, record in records[1:]:
        if len(record) != len(header):
            rejected.append(Rejected(line, "import.field_count", {"expected": len(header), "found": len(record)}))
            continue
        rows.append((line, {mapping[i]: record[i].strip() for i in mapping}))
    return _Table(encoding, delimiter, rows, rejected)


# --- the three kinds -------------------------------------------------------------------------------------------

def _accounts(session: Session, numbers: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    ordered = sorted(numbers)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start:start + 500]
        found.update(session.execute(select(Account.number, Account.id).where(Account.number.in_(chunk))).tuples().all())
    return found


def _account_numbers(rows) -> dict[str, str | None]:
    """Each distinct account-number text of the file -> the number it spells, or None if it is malformed.

    Parsed once per distinct text: a city's registry names each account many times."""
    numbers: dict[str, str | None] = {}
    for _line, row in rows:
        text = row["account_number"]
        if text not in numbers:
            try:
                numbers[text] = parse_account_number(text)
            except DomainError:
                numbers[text] = None
    return numbers


def _past_moment(line: int, text: str, now: dt.datetime, rejected: list) -> dt.datetime | None:
    """A date-time that has already happened by `now`, or None with the reason added to `rejected`."""
    try:
        moment = parse_moment(text)
    except ValueError:
        rejected.append(Rejected(line, "import.date_format", {"value": text}))
        return None
    if moment > now:
        rejected.append(Rejected(line, "import.future_date", {"value": text}))
        return None
    return moment


def _account_and_service(line: int, row: dict, numbers: dict[str, str | None], accounts: dict[str, int],
                         rejected: list) -> tuple[str, str] | None:
    """The row's known account number and service, or None with the reason added to `rejected`."""
    number = numbers[row["account_number"]]
    if number is None:
        rejected.append(Rejected(line, "import.account_format", {"value": row["account_number"]}))
        return None
    if number not in accounts:
        rejected.append(Rejected(line, "import.account_unknown", {"value": number}))
        return None
    try:
        return number, parse_service_name(row["service"])
    except ValueError:
        rejected.append(Rejected(line, "import.service_unknown", {"value": row["service"]}))
        return None


def _bank(session: Session, table: _Table, batch_id: int | None, now: dt.datetime, to_add, duplicates,
          rejected) -> None:
    numbers = _account_numbers(table.rows)
    accounts = _accounts(session, {n for n in numbers.values() if n is not None})
    seen: set[str] = set()
    candidates: list[tuple[int, str, RegistryRow]] = []
    for line, row in table.rows:
        named = _account_and_service(line, row, numbers, accounts, rejected)
        if named is None:
            continue
        number, service = named
        try:
            amount = parse_decimal(row["amount"], 2)
        except ValueError as exc:
            rejected.append(Rejected(line, _number_reason(exc, "import.amount_format"),
                                     {"column": "amount", "value": row["amount"]}))
            continue
        if amount <= 0:
            rejected.append(Rejected(line, "import.amount_positive", {"value": row["amount"]}))
            continue
        paid_at = _past_moment(line, row["paid_at"], now, rejected)
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
        if ref in seen:
            duplicates.append(line)
            continue
        seen.add(ref)
        candidates.append((line, number, RegistryRow(accounts[number], service, amount.quantize(CENT), paid_at, channel,
                                                     ref, row.get("order_id") or None)))
    outcomes = credit_registry_payments(session, [c[2] for c in candidates], source=BANK_SOURCE,
                                        import_batch_id=batch_id)
    for (line, number, row), outcome in zip(candidates, outcomes):
        if outcome == "duplicate":
            duplicates.append(line)
        else:
            to_add.append({"line": line, "account_number": number, "service": row.service, "amount": row.amount,
                           "paid_at": row.paid_at, "payment_ref": row.external_ref, "order_id": row.order_id})


def _charges(session: Session, table: _Table, batch_id: int | None, to_add, duplicates, rejected) -> None:
    numbers = _account_numbers(table.rows)
    accounts = _accounts(session, {n for n in numbers.values() if n is not None})
    months = set()
    for _line, row in table.rows:
        try:
            months.add(parse_month(row["month"]))
        except ValueError:
            pass
    existing: set[tuple[int, str, dt.date]] = set()
    ids = sorted(set(accounts.values()))
    for start in range(0, len(ids), 500):
        existing.update(session.execute(
            select(Charge.account_id, Charge.service, Charge.month)
            .where(Charge.account_id.in_(ids[start:start + 500]), Charge.month.in_(sorted(months)))
        ).tuples())
    for line, row in table.rows:
        named = _account_and_service(line, row, numbers, accounts, rejected)
        if named is None:
            continue
        number, service = named
        try:
            month = parse_month(row["month"])
        except ValueError:
            rejected.append(Rejected(line, "import.month_format", {"value": row["month"]}))
            continue
        values = {}
        for column, places in (("volume", 3), ("tariff", 4), ("amount", 2), ("discount_percent", 2), ("amount_to_pay", 2)):
            text = row.get(column, "")
            if column in ("discount_percent", "amount_to_pay") and not text:
                continue
            try:
                values[column] = parse_decimal(text, places)
            except ValueError as exc:
                rejected.append(Rejected(line, _number_reason(exc, "import.number_format"),
                                         {"column": column, "value": text}))
                break
            if values[column] < 0:
                rejected.append(Rejected(line, "import.negative", {"column": column, "value": text}))
                break
        else:
            discount = values.get("discount_percent", Decimal("0"))
            if discount > 100:
                rejected.append(Rejected(line, "import.discount_range", {"value": row.get("discount_percent")}))
                continue
            amount = values["amount"].quantize(CENT)
            discount_amount = (amount * discount / 100).quantize(CENT, ROUND_HALF_UP)
            to_pay = values.get("amount_to_pay", amount - discount_amount).quantize(CENT)
            if to_pay > amount:
                rejected.append(Rejected(line, "import.to_pay_above_amount", {"value": row.get("amount_to_pay")}))
                continue
            key = (accounts[number], service, month)
            if key in existing:
                duplicates.append(line)
                continue
            existing.add(key)
            session.add(Charge(account_id=key[0], service=service, month=month, volume=values["volume"],
                               tariff=values["tariff"], amount=amount, discount_percent=discount,
                               discount_amount=amount - to_pay, amount_to_pay=to_pay, import_batch_id=batch_id))
            to_add.append({"line": line, "account_number": number, "service": service, "month": month,
                           "volume": values["volume"], "tariff": values["tariff"], "amount": amount,
                           "discount_percent": discount, "amount_to_pay": to_pay})
    if to_add:
        balances.written_before(session, month=min(row["month"] for row in to_add))


def _readings(session: Session, table: _Table, batch_id: int | None, actor: str, now: dt.datetime, to_add, duplicates,
              rejected) -> None:
    refs = [row["ref"] for _line, row in table.rows if row["ref"]]
    existing: set[str] = set()
    for start in range(0, len(refs), 500):
        existing.update(session.scalars(
            select(Reading.external_ref).where(Reading.source == READINGS_SOURCE,
                                               Reading.external_ref.in_(refs[start:start + 500]))))
    serials = sorted({row["meter_serial"] for _line, row in table.rows})
    meters: dict[str, Meter] = {}
    numbers: dict[int, str] = {}
    for start in range(0, len(serials), 500):
        for meter, number in session.execute(
            select(Meter, Account.number).join(Account, Account.id == Meter.account_id)
            .where(Meter.serial.in_(serials[start:start + 500]))
        ):
            meters[meter.serial], numbers[meter.id] = meter, number
    windows = [
        WindowInfo(w.id, w.period, w.opens_at, w.closes_at, w.processed_at)
        for w in session.scalars(select(ReadingWindow).order_by(ReadingWindow.opens_at))
    ]
    for line, row in table.rows:
        ref = row["ref"]
        if not ref:
            rejected.append(Rejected(line, "import.ref_missing"))
            continue
        if _too_long(line, "ref", ref, REF_LENGTH, rejected):
            continue
        if ref in existing:
            duplicates.append(line)
            continue
        meter = meters.get(row["meter_serial"])
        if meter is None:
            rejected.append(Rejected(line, "import.meter_unknown", {"value": row["meter_serial"]}))
            continue
        if row.get("account_number"):
            if re.sub(r"[\s\-]", "", row["account_number"]) != numbers[meter.id]:
                rejected.append(Rejected(line, "import.meter_account_mismatch",
                                         {"meter": meter.serial, "value": row["account_number"]}))
                continue
        try:
            value = parse_decimal(row["value"], 3)
        except ValueError as exc:
            rejected.append(Rejected(line, _number_reason(exc, "import.number_format"),
                                     {"column": "value", "value": row["value"]}))
            continue
        if value < 0:
            rejected.append(Rejected(line, "import.negative", {"column": "value", "value": row["value"]}))
            continue
        read_at = _past_moment(line, row["read_at"], now, rejected)
        if read_at is None:
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
                    import_batch_id=batch_id, recorded_at=now,
                )
        except DomainError as exc:
            rejected.append(Rejected(line, exc.key, exc.params))
            continue
        existing.add(ref)
        to_add.append({"line": line, "meter_serial": meter.serial, "value": value, "read_at": read_at,
                       "period": window.period, "consumption": receipt.consumption, "flagged": receipt.flagged,
                       "ref": ref})


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
    batch_id = batch.id
    if kind == "bank":
        _bank(session, table, batch_id, now, to_add, duplicates, rejected)
    elif kind == "charges":
        _charges(session, table, batch_id, to_add, duplicates, rejected)
    else:
        _readings(session, table, batch_id, actor, now, to_add, duplicates, rejected)
    session.flush()
    rejected.sort(key=lambda r: r.line)
    total = len(table.rows) + len(table.rejected)
    batch.rows_total, batch.rows_added = total, len(to_add)
    batch.rows_duplicate, batch.rows_rejected = len(duplicates), len(rejected)
    if commit:
        audit.record(session, at=now, actor_type="staff", actor=actor, action="import.committed", entity="import_batch",
                     entity_id=batch.id, kind=kind, filename=filename, sha256=sha, rows=total, added=len(to_add),
                     duplicates=len(duplicates), rejected=len(rejected))
    return ImportResult(kind, filename, sha, table.encoding, table.delimiter, total, to_add, duplicates, rejected,
                        commit, batch_id if commit else None, imported_before)


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


def recent_batches(sessions: sessionmaker[Session], limit: int = 20) -> list[BatchView]:
    with sessions() as session:
        return [
            BatchView(b.id, b.kind, b.filename, b.created_at, b.created_by, b.rows_total, b.rows_added,
                      b.rows_duplicate, b.rows_rejected)
            for b in session.scalars(select(ImportBatch).order_by(ImportBatch.created_at.desc(), ImportBatch.id.desc())
                                     .limit(limit))
        ]
