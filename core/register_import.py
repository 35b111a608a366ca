"""Imports of the utility's register: accounts (address, residents, services, open or closed), hot-water meters
(installed and removed) and tariffs and norms per period.

The register is the billing system's truth, exported whole or in part: a row for a key that is not stored yet is
added, a row that differs from the stored state is a change (each one audited: an address moved, residents changed,
a meter installed or removed, an account closed), and a row identical to the stored state is "unchanged". So the
same file twice adds and changes nothing. Closing an account keeps its charges, payments and readings.

Like the ledger imports (core.imports, whose decoding and parsing helpers this module uses): `preview` runs the
whole import in a transaction that is rolled back, `commit` runs the same code and commits it with an ImportBatch
row and an audit row, and every rejected row carries its line number and the reason.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import exists, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from core import audit, clock
from core.clock import kyiv_midnight
from core.errors import DomainError
from core.import_parsing import (
    MAX_BYTES,
    ForeignDigits,
    NumberTooLarge,
    Rejected,
    column_mapping,
    decode,
    parse_decimal,
    parse_month,
    parse_service_name,
    sniff_delimiter,
)
from core.parsing import parse_account_number
from db.models import Account, ImportBatch, Meter, Reading, Tariff

KINDS = ("accounts", "meters", "tariffs")
EARLIEST = dt.date(1990, 1, 1)  # an installation, removal or closing date before this is a typo
MAX_RESIDENTS = 999
MAX_AREA = Decimal("100000")  # m², NUMERIC(10, 2) and far above any flat
MAX_METER_VALUE = Decimal("1000000")
LENGTHS = {"street": 120, "building": 20, "flat": 20, "meter_serial": 40}

COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "accounts": {
        "account_number": ("account_number", "account", "особовий_рахунок", "рахунок"),
        "street": ("street", "вулиця"),
        "building": ("building", "house", "будинок"),
        "flat": ("flat", "apartment", "квартира"),
        "residents": ("residents", "мешканців", "мешканці", "кількість_мешканців"),
        "heating": ("heating", "опалення"),
        "hot_water": ("hot_water", "гаряча_вода", "гвп"),
        "heated_area": ("heated_area", "area", "опалювана_площа", "площа"),
        "status": ("status", "стан"),
        "closed_on": ("closed_on", "дата_закриття", "закрито"),
    },
    "meters": {
        "meter_serial": ("meter_serial", "meter", "serial", "лічильник", "номер_лічильника"),
        "account_number": ("account_number", "account", "особовий_рахунок", "рахунок"),
        "service": ("service", "послуга"),
        "installed_on": ("installed_on", "дата_встановлення", "встановлено"),
        "initial_value": ("initial_value", "початкове_показання", "показання_при_встановленні"),
        "removed_on": ("removed_on", "дата_зняття", "знято"),
    },
    "tariffs": {
        "service": ("service", "послуга"),
        "valid_from": ("valid_from", "period", "month", "з_місяця", "період", "місяць"),
        "tariff": ("tariff", "тариф"),
        "norm": ("norm", "норма"),
    },
}
REQUIRED = {
    "accounts": ("account_number", "street", "building", "residents", "heating", "hot_water", "heated_area"),
    "meters": ("meter_serial", "account_number", "service", "installed_on", "initial_value"),
    "tariffs": ("service", "valid_from"),
}
YES = {"1", "так", "т", "yes", "y", "true", "+"}
NO = {"0", "ні", "н", "no", "n", "false", "-"}
OPEN = {"open", "відкритий", "відкрито", "діючий", "active"}
CLOSED = {"closed", "закритий", "закрито"}
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class RegisterResult:
    kind: str
    filename: str
    sha256: str
    encoding: str
    delimiter: str
    rows_total: int
    to_add: list[dict]  # new accounts, meters or tariff rows
    changes: list[dict]  # {"line", "key", "fields": {column: (stored, new)}}
    unchanged: list[int]  # line numbers identical to the stored state
    rejected: list[Rejected]
    committed: bool
    batch_id: int | None = None
    imported_before: dt.datetime | None = None

    @property
    def rows_added(self) -> int:
        return len(self.to_add)

    @property
    def rows_changed(self) -> int:
        return len(self.changes)


def describe_change(fields: dict[str, tuple[object, object]]) -> str:
    """`street: вул. А → вул. Б; residents: 2 → 3`, the column names as in the file."""
    def shown(value: object) -> str:
        return "—" if value is None or value == "" else str(value)

    return "; ".join(f"{name}: {shown(old)} → {shown(new)}" for name, (old, new) in fields.items())


# --- reading the file --------------------------------------------------------------------------------------------

@dataclass
class _Table:
    encoding: str
    delimiter: str
    rows: list[tuple[int, dict[str, str]]]
    rejected: list[Rejected]


def read_table(kind: str, data: bytes) -> _Table:
    """As core.imports.read_table, for the register's columns; a last row with no line break is a truncation
    suspect and is rejected (a register row cut short would silently move an address)."""
    if kind not in KINDS:
        raise DomainError("import.kind_unknown")
    if len(data) > MAX_BYTES:
        raise DomainError("import.too_large")
    text, encoding = decode(data)
    header_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = sniff_delimiter(header_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        records = [(reader.line_num, record) for record in reader]
    except csv.Error as exc:
        raise DomainError("import.malformed", line=reader.line_num) from exc
    records = [(n, r) for n, r in records if any(cell.strip() for cell in r)]
    if not records:
        raise DomainError("import.empty")
    _header_number, header = records[0]
    mapping = column_mapping(header, COLUMNS[kind], REQUIRED[kind])
    unterminated = not text.rstrip(" \t").endswith(("\n", "\r"))
    rows, rejected = [], []
    for position, (line, record) in enumerate(records[1:], start=2):
        if len(record) != len(header):
            rejected.append(Rejected(line, "import.field_count", {"expected": len(header), "found": len(record)}))
            continue
        if unterminated and position == len(records):
            rejected.append(Rejected(line, "register.unterminated"))
            continue
        rows.append((line, {mapping[i]: _SPACES.sub(" ", record[i]).strip() for i in mapping}))
    return _Table(encoding, delimiter, rows, rejected)


class _Reject(Exception):
    """One row's reason for rejection, raised by the row parsers below."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key, self.params = key, params


def _text(row: dict, column: str, required: bool = True) -> str | None:
    value = row.get(column) or ""
    if not value:
        if required:
            raise _Reject("register.missing", column=column)
        return None
    if len(value) > LENGTHS.get(column, 80):
        raise _Reject("import.too_long", column=column, limit=LENGTHS.get(column, 80), value=value[:40] + "…")
    return value


def _flag(row: dict, column: str) -> bool:
    value = (row.get(column) or "").lower()
    if value in YES:
        return True
    if value in NO:
        return False
    raise _Reject("register.flag", column=column, value=row.get(column) or "")


def _number(row: dict, column: str, places: int, maximum: Decimal) -> Decimal:
    text = row.get(column) or ""
    try:
        value = parse_decimal(text, places)
    except NumberTooLarge:
        raise _Reject("import.number_too_large", column=column, value=text) from None
    except ForeignDigits:
        raise _Reject("digits.non_ascii") from None
    except ValueError:
        raise _Reject("import.number_format", column=column, value=text) from None
    if value < 0:
        raise _Reject("import.negative", column=column, value=text)
    if value >= maximum:
        raise _Reject("import.number_too_large", column=column, value=text)
    return value.quantize(Decimal(1).scaleb(-places))


_DAY_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")


def _day(row: dict, column: str, today: dt.date, required: bool = True) -> dt.date | None:
    text = row.get(column) or ""
    if not text:
        if required:
            raise _Reject("register.missing", column=column)
        return None
    for pattern in _DAY_FORMATS:
        try:
            day = dt.datetime.strptime(text, pattern).date()  # noqa: DTZ007 (a date)
            break
        except ValueError:
            continue
    else:
        raise _Reject("register.day_format", column=column, value=text)
    if day > today:
        raise _Reject("import.future_date", value=text)
    if day < EARLIEST:
        raise _Reject("register.day_too_early", column=column, value=text)
    return day


def _account_number(row: dict) -> str:
    try:
        return parse_account_number(row.get("account_number"))
    except DomainError:
        raise _Reject("import.account_format", value=row.get("account_number") or "") from None


def _service(row: dict) -> str:
    try:
        return parse_service_name(row.get("service") or "")
    except ValueError:
        raise _Reject("import.service_unknown", value=row.get("service") or "") from None


def address_of(street: str, building: str, flat: str | None) -> str:
    """The address line the cabinet shows, as the demo data spells it."""
    return f"{street}, {building}" + (f", кв. {flat}" if flat else "")


def _chunked(values: list, size: int = 500):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _lock(statement, session: Session, of=None):
    """Rows a commit may change are locked (PostgreSQL; SQLite has one writer at a time anyway), so two imports
    touching one account take turns and neither overwrites the other's change unseen."""
    if session.get_bind().dialect.name != "postgresql":
        return statement
    return statement.with_for_update(of=of)


# --- accounts ----------------------------------------------------------------------------------------------------

ACCOUNT_FIELDS = ("street", "building", "flat", "residents", "heating", "hot_water", "heated_area", "closed_on")


def account_values(row: dict, stored: Account | None, today: dt.date) -> dict:
    """A row of the accounts file as the values it stands for (the ones compared with the stored account)."""
    values = {
        "street": _text(row, "street"), "building": _text(row, "building"), "flat": _text(row, "flat", False),
        "heating": _flag(row, "heating"), "hot_water": _flag(row, "hot_water"),
        "heated_area": _number(row, "heated_area", 2, MAX_AREA),
    }
    residents = row.get("residents") or ""
    if not residents.isascii() or not residents.isdigit() or int(residents) > MAX_RESIDENTS:
        raise _Reject("register.residents", value=residents, maximum=MAX_RESIDENTS)
    values["residents"] = int(residents)
    status = (row.get("status") or "").lower()
    if status and status not in OPEN | CLOSED:
        raise _Reject("register.status", value=row.get("status"))
    closed_on = _day(row, "closed_on", today, required=False)
    if closed_on is not None and status in OPEN:
        raise _Reject("register.status_conflict", value=row.get("closed_on"))
    if closed_on is None and status in CLOSED:
        # Closed with no date: the stored closing date stands, or the account closes today.
        closed_on = stored.closed_on if stored is not None and stored.closed_on is not None else today
    values["closed_on"] = closed_on
    return values


def _stored_account_values(account: Account) -> dict:
    return {"street": account.street, "building": account.building, "flat": account.flat or None,
            "residents": account.residents, "heating": account.has_heating, "hot_water": account.has_hot_water,
            "heated_area": Decimal(account.heated_area).quantize(Decimal("0.01")), "closed_on": account.closed_on}


def _accounts(session: Session, table: _Table, actor: str, now: dt.datetime, out: _Outcome) -> None:
    today = now.astimezone(clock.KYIV).date()
    numbers: dict[int, str] = {}
    for line, row in table.rows:
        try:
            numbers[line] = _account_number(row)
        except _Reject as reason:
            out.reject(line, reason)
    stored: dict[str, Account] = {}
    for chunk in _chunked(sorted(set(numbers.values()))):
        stored.update((a.number, a) for a in session.scalars(_lock(
            select(Account).where(Account.number.in_(chunk)).order_by(Account.number), session)))
    seen: dict[str, tuple[int, dict]] = {}
    created: list[dict] = []
    for line, row in table.rows:
        number = numbers.get(line)
        if number is None:
            continue
        account = stored.get(number)
        try:
            values = account_values(row, account, today)
        except _Reject as reason:
            out.reject(line, reason)
            continue
        if number in seen:
            first_line, first_values = seen[number]
            if first_values == values:
                out.unchanged.append(line)
            else:
                out.reject(line, _Reject("register.repeated", value=number, first=first_line))
            continue
        seen[number] = (line, values)
        address = address_of(values["street"], values["building"], values["flat"])
        if account is None:
            created.append({"number": number, "street": values["street"], "building": values["building"],
                            "flat": values["flat"], "address": address, "residents": values["residents"],
                            "has_heating": values["heating"], "has_hot_water": values["hot_water"],
                            "heated_area": values["heated_area"], "closed_on": values["closed_on"], "created_at": now})
            out.audit(action="account.created", entity="account",
                      entity_id=number, address=address, residents=values["residents"],
                      heating=values["heating"], hot_water=values["hot_water"],
                      heated_area=str(values["heated_area"]), closed_on=values["closed_on"],
                      import_batch_id=out.batch_id)
            out.to_add.append({"line": line, "account_number": number, "address": address,
                               "residents": values["residents"], "heating": values["heating"],
                               "hot_water": values["hot_water"], "heated_area": values["heated_area"],
                               "closed_on": values["closed_on"]})
            continue
        before = _stored_account_values(account)
        fields = {name: (before[name], values[name]) for name in ACCOUNT_FIELDS if before[name] != values[name]}
        if not fields:
            out.unchanged.append(line)
            continue
        details = {name: fields[name] for name in fields if name != "closed_on"}
        if details:
            account.street, account.building, account.flat = values["street"], values["building"], values["flat"]
            account.address = address
            account.residents, account.heated_area = values["residents"], values["heated_area"]
            account.has_heating, account.has_hot_water = values["heating"], values["hot_water"]
            out.audit(action="account.updated", entity="account",
                      entity_id=number, import_batch_id=out.batch_id,
                      changes={name: [str(old), str(new)] for name, (old, new) in details.items()})
        if "closed_on" in fields:
            old, new = fields["closed_on"]
            account.closed_on = new
            out.audit(action="account.reopened" if new is None else "account.closed", entity="account",
                      entity_id=number, import_batch_id=out.batch_id, closed_on=new, previously=old)
        out.changes.append({"line": line, "key": number, "fields": fields})
    if created:  # one multi-row INSERT: a city's register holds tens of thousands of accounts
        session.execute(insert(Account), created)


# --- meters ------------------------------------------------------------------------------------------------------

def _meters(session: Session, table: _Table, actor: str, now: dt.datetime, out: _Outcome) -> None:
    today = now.astimezone(clock.KYIV).date()
    serials = sorted({row.get("meter_serial") or "" for _line, row in table.rows} - {""})
    stored: dict[str, tuple[Meter, str]] = {}
    for chunk in _chunked(serials):
        for meter, number in session.execute(_lock(
                select(Meter, Account.number).join(Account, Account.id == Meter.account_id)
                .where(Meter.serial.in_(chunk)).order_by(Meter.serial), session, of=Meter)):
            stored[meter.serial] = (meter, number)
    numbers = set()
    for _line, row in table.rows:
        try:
            numbers.add(_account_number(row))
        except _Reject:
            pass
    accounts: dict[str, tuple[int, dt.date | None]] = {}
    for chunk in _chunked(sorted(numbers)):
        accounts.update((n, (i, c)) for n, i, c in session.execute(
            select(Account.number, Account.id, Account.closed_on).where(Account.number.in_(chunk))))
    seen: dict[str, tuple[int, dict]] = {}
    for line, row in table.rows:
        try:
            serial = _text(row, "meter_serial")
            number = _account_number(row)
            values = {"account_number": number, "service": _service(row),
                      "installed_on": _day(row, "installed_on", today),
                      "initial_value": _number(row, "initial_value", 3, MAX_METER_VALUE),
                      "removed_on": _day(row, "removed_on", today, required=False)}
            if number not in accounts:
                raise _Reject("import.account_unknown", value=number)
            if values["removed_on"] is not None and values["removed_on"] < values["installed_on"]:
                raise _Reject("register.removed_before_installed", value=row.get("removed_on"))
            if serial in seen:
                first_line, first_values = seen[serial]
                if first_values != values:
                    raise _Reject("register.repeated", value=serial, first=first_line)
                out.unchanged.append(line)
                continue
            seen[serial] = (line, values)
            account_id, closed_on = accounts[number]
            found = stored.get(serial)
            if found is None:
                if closed_on is not None and (values["removed_on"] is None or values["removed_on"] > closed_on):
                    raise _Reject("register.account_closed", value=number)
                meter = Meter(account_id=account_id, serial=serial, service=values["service"], unit="m3",
                              initial_value=values["initial_value"], installed_on=values["installed_on"],
                              removed_on=values["removed_on"])
                session.add(meter)
                out.audit(action="meter.installed",
                          entity="meter", entity_id=serial, account=number, service=values["service"],
                          installed_on=values["installed_on"], initial_value=str(values["initial_value"]),
                          removed_on=values["removed_on"], import_batch_id=out.batch_id)
                out.to_add.append({"line": line, "meter_serial": serial, **values})
                continue
            meter, owner = found
            if owner != number:
                raise _Reject("register.meter_other_account", meter=serial, value=owner)
            if meter.service != values["service"]:
                raise _Reject("register.meter_service", meter=serial, value=meter.service)
            fields = {}
            if meter.installed_on != values["installed_on"]:
                fields["installed_on"] = (meter.installed_on, values["installed_on"])
            if Decimal(meter.initial_value) != values["initial_value"]:
                fields["initial_value"] = (Decimal(meter.initial_value).quantize(Decimal("0.001")),
                                           values["initial_value"])
            if meter.removed_on != values["removed_on"]:
                fields["removed_on"] = (meter.removed_on, values["removed_on"])
            if not fields:
                out.unchanged.append(line)
                continue
            _change_meter(session, meter, number, closed_on, fields, values, out)
            out.changes.append({"line": line, "key": serial, "fields": fields})
        except _Reject as reason:
            out.reject(line, reason)


def _change_meter(session: Session, meter: Meter, number: str, closed_on: dt.date | None, fields: dict, values: dict,
                  out: _Outcome) -> None:
    """Correct the installation (only before any reading), remove the meter or put a removal right."""
    has_readings = session.scalar(select(exists().where(Reading.meter_id == meter.id)))
    if ("installed_on" in fields or "initial_value" in fields) and has_readings:
        raise _Reject("register.meter_installation_fixed", meter=meter.serial)
    removed_on = values["removed_on"]
    if "removed_on" in fields:
        if removed_on is not None:
            later = session.scalar(select(exists().where(
                Reading.meter_id == meter.id, Reading.status == "accepted",
                Reading.submitted_at >= kyiv_midnight(removed_on + dt.timedelta(days=1)))))
            if later:
                raise _Reject("register.meter_read_after_removal", meter=meter.serial, value=removed_on.isoformat())
        elif closed_on is not None:
            raise _Reject("register.account_closed", value=number)
    if "installed_on" in fields or "initial_value" in fields:
        meter.installed_on, meter.initial_value = values["installed_on"], values["initial_value"]
        out.audit(action="meter.corrected", entity="meter",
                  entity_id=meter.serial, account=number, import_batch_id=out.batch_id,
                  changes={k: [str(old), str(new)] for k, (old, new) in fields.items() if k != "removed_on"})
    if "removed_on" in fields:
        old, new = fields["removed_on"]
        meter.removed_on = new
        out.audit(action="meter.removed" if new is not None else "meter.reinstalled", entity="meter",
                  entity_id=meter.serial, account=number, removed_on=new, previously=old, import_batch_id=out.batch_id)


# --- tariffs and norms -------------------------------------------------------------------------------------------

def _tariffs(session: Session, table: _Table, actor: str, now: dt.datetime, out: _Outcome) -> None:
    stored = {(t.service, t.valid_from): t for t in session.scalars(_lock(select(Tariff).order_by(Tariff.id), session))}
    seen: dict[tuple[str, dt.date], tuple[int, dict]] = {}
    for line, row in table.rows:
        try:
            service = _service(row)
            try:
                valid_from = parse_month(row.get("valid_from") or "")
            except ValueError:
                raise _Reject("import.month_format", value=row.get("valid_from") or "") from None
            if valid_from < EARLIEST:
                raise _Reject("register.day_too_early", column="valid_from", value=row.get("valid_from"))
            values = {"tariff": _number(row, "tariff", 4, Decimal(10) ** 8) if row.get("tariff") else None,
                      "norm": _number(row, "norm", 3, Decimal(10) ** 4) if row.get("norm") else None}
            if values["tariff"] is None and values["norm"] is None:
                raise _Reject("register.tariff_empty")
            if values["tariff"] is not None and values["tariff"] == 0:
                raise _Reject("register.tariff_zero", value=row.get("tariff"))
            if values["norm"] is not None and service != "hot_water":
                raise _Reject("register.norm_hot_water_only")
            key = (service, valid_from)
            if key in seen:
                first_line, first_values = seen[key]
                if first_values != values:
                    raise _Reject("register.repeated", value=f"{service} {valid_from:%Y-%m}", first=first_line)
                out.unchanged.append(line)
                continue
            seen[key] = (line, values)
            tariff = stored.get(key)
            if tariff is None:
                session.add(Tariff(service=service, valid_from=valid_from, tariff=values["tariff"], norm=values["norm"],
                                   import_batch_id=out.batch_id, updated_at=now))
                out.audit(action="tariff.set", entity="tariff",
                          entity_id=f"{service}:{valid_from:%Y-%m}", tariff=values["tariff"], norm=values["norm"],
                          import_batch_id=out.batch_id)
                out.to_add.append({"line": line, "service": service, "valid_from": f"{valid_from:%Y-%m}", **values})
                continue
            before = {"tariff": None if tariff.tariff is None else Decimal(tariff.tariff).quantize(Decimal("0.0001")),
                      "norm": None if tariff.norm is None else Decimal(tariff.norm).quantize(Decimal("0.001"))}
            fields = {k: (before[k], values[k]) for k in values if before[k] != values[k]}
            if not fields:
                out.unchanged.append(line)
                continue
            tariff.tariff, tariff.norm, tariff.import_batch_id, tariff.updated_at = (
                values["tariff"], values["norm"], out.batch_id, now)
            out.audit(action="tariff.changed", entity="tariff",
                      entity_id=f"{service}:{valid_from:%Y-%m}", import_batch_id=out.batch_id,
                      changes={k: [str(old), str(new)] for k, (old, new) in fields.items()})
            out.changes.append({"line": line, "key": f"{service} {valid_from:%Y-%m}", "fields": fields})
        except _Reject as reason:
            out.reject(line, reason)


# --- running an import -------------------------------------------------------------------------------------------

@dataclass
class _Outcome:
    batch_id: int
    actor: str
    now: dt.datetime
    rejected: list[Rejected]
    to_add: list[dict] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    audits: list[dict] = field(default_factory=list)  # written together at the end (one statement)

    def reject(self, line: int, reason: _Reject) -> None:
        self.rejected.append(Rejected(line, reason.key, reason.params))

    def audit(self, **entry: object) -> None:
        self.audits.append({"at": self.now, "actor_type": "staff", "actor": self.actor, **entry})


_RUNNERS = {"accounts": _accounts, "meters": _meters, "tariffs": _tariffs}


def _run(session: Session, kind: str, filename: str, data: bytes, actor: str, commit: bool) -> RegisterResult:
    table = read_table(kind, data)
    sha = hashlib.sha256(data).hexdigest()
    imported_before = session.scalar(
        select(ImportBatch.created_at).where(ImportBatch.file_sha256 == sha, ImportBatch.kind == kind)
        .order_by(ImportBatch.created_at))
    now = clock.now()
    batch = ImportBatch(kind=kind, filename=filename[:255], file_sha256=sha, created_at=now, created_by=actor)
    session.add(batch)
    session.flush()
    out = _Outcome(batch.id, actor, now, list(table.rejected))
    _RUNNERS[kind](session, table, actor, now, out)
    session.flush()
    audit.record_many(session, out.audits)
    out.rejected.sort(key=lambda r: r.line)
    total = len(table.rows) + len(table.rejected)
    batch.rows_total, batch.rows_added, batch.rows_changed = total, len(out.to_add), len(out.changes)
    batch.rows_duplicate, batch.rows_rejected = len(out.unchanged), len(out.rejected)
    if commit:
        audit.record(session, at=now, actor_type="staff", actor=actor, action="import.committed", entity="import_batch",
                     entity_id=batch.id, kind=kind, filename=filename, sha256=sha, rows=total, added=len(out.to_add),
                     changed=len(out.changes), unchanged=len(out.unchanged), rejected=len(out.rejected))
    return RegisterResult(kind, filename, sha, table.encoding, table.delimiter, total, out.to_add, out.changes,
                          sorted(out.unchanged), out.rejected, commit, batch.id if commit else None, imported_before)


def preview(sessions: sessionmaker[Session], kind: str, filename: str, data: bytes,
            actor: str = "preview") -> RegisterResult:
    """Everything the import would add and change, computed inside a transaction that is rolled back."""
    session = sessions()
    try:
        session.begin()
        return _run(session, kind, filename, data, actor, commit=False)
    finally:
        session.rollback()
        session.close()


COMMIT_ATTEMPTS = 5  # each failed attempt means another commit went through first


def commit(sessions: sessionmaker[Session], kind: str, filename: str, data: bytes, actor: str) -> RegisterResult:
    """Import the file in one transaction, with its ImportBatch row, an audit row per change and one for the file.

    Two commits touching the same keys at the same moment: the rows a commit changes are locked, and a new key
    added by both is refused by its unique index (accounts' numbers, meters' serials, a service's month) for the
    later one, which is rolled back whole and run again against what the first one stored (then "unchanged")."""
    for attempt in range(1, COMMIT_ATTEMPTS + 1):
        try:
            with sessions.begin() as session:
                return _run(session, kind, filename, data, actor, commit=True)
        except (IntegrityError, OperationalError) as exc:
            text = str(exc).lower()
            if isinstance(exc, OperationalError) and "lock" not in text and "serializ" not in text:
                raise
            if attempt == COMMIT_ATTEMPTS:
                raise DomainError("register.concurrent") from exc
    raise AssertionError("unreachable")


def changed_rows(sessions: sessionmaker[Session], batch_ids: list[int]) -> dict[int, int]:
    """How many rows each import batch changed (register imports; 0 for the ledger imports)."""
    if not batch_ids:
        return {}
    with sessions() as session:
        return dict(session.execute(select(ImportBatch.id, ImportBatch.rows_changed)
                                    .where(ImportBatch.id.in_(batch_ids))).tuples().all())
