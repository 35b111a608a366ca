"""Reading a register file: its columns and rows, and each cell as the value it stands for (text, yes/no, number,
day, account number, service), or the reason a row is rejected.

No database here: core.register_changes compares what these return with the stored register.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core.errors import DomainError
from core.import_parsing import (
    ForeignDigits,
    NumberTooLarge,
    Rejected,
    column_mapping,
    decode_file,
    parse_decimal,
    parse_service_name,
)
from core.parsing import parse_account_number
from db.models import Account

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


# --- reading the file --------------------------------------------------------------------------------------------


@dataclass
class _Table:
    encoding: str
    delimiter: str
    rows: list[tuple[int, dict[str, str]]]
    rejected: list[Rejected]


def read_table(kind: str, data: bytes) -> _Table:
    """As core.import_parsing.read_table, for the register's columns; a last row with no line break is a truncation
    suspect and is rejected (a register row cut short would silently move an address)."""
    text, encoding, delimiter = decode_file(kind, KINDS, data)
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


def _text(row: dict[str, str], column: str, required: bool = True) -> str | None:
    value = row.get(column) or ""
    if not value:
        if required:
            raise _Reject("register.missing", column=column)
        return None
    if len(value) > LENGTHS.get(column, 80):
        raise _Reject("import.too_long", column=column, limit=LENGTHS.get(column, 80), value=value[:40] + "…")
    return value


def _flag(row: dict[str, str], column: str) -> bool:
    value = (row.get(column) or "").lower()
    if value in YES:
        return True
    if value in NO:
        return False
    raise _Reject("register.flag", column=column, value=row.get(column) or "")


def _number(row: dict[str, str], column: str, places: int, maximum: Decimal) -> Decimal:
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


def _day(row: dict[str, str], column: str, today: dt.date, required: bool = True) -> dt.date | None:
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


def _account_number(row: dict[str, str]) -> str:
    try:
        return parse_account_number(row.get("account_number"))
    except DomainError:
        raise _Reject("import.account_format", value=row.get("account_number") or "") from None


def _service(row: dict[str, str]) -> str:
    try:
        return parse_service_name(row.get("service") or "")
    except ValueError:
        raise _Reject("import.service_unknown", value=row.get("service") or "") from None


def address_of(street: str, building: str, flat: str | None) -> str:
    """The address line the cabinet shows, as the demo data spells it."""
    return f"{street}, {building}" + (f", кв. {flat}" if flat else "")


# --- accounts ----------------------------------------------------------------------------------------------------

ACCOUNT_FIELDS = ("street", "building", "flat", "residents", "heating", "hot_water", "heated_area", "closed_on")


def account_values(row: dict[str, str], stored: Account | None, today: dt.date) -> dict[str, Any]:
    """A row of the accounts file as the values it stands for (the ones compared with the stored account)."""
    values: dict[str, Any] = {
        "street": _text(row, "street"),
        "building": _text(row, "building"),
        "flat": _text(row, "flat", False),
        "heating": _flag(row, "heating"),
        "hot_water": _flag(row, "hot_water"),
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
