"""Reading an import file: text, delimiter, header, rows, numbers, months and the control trailer.

Pure functions over the file's bytes (no database): core.imports applies the domain rules to what they return.
Everything here refuses rather than guesses: a final row without a line terminator is a truncation suspect, a
trailer that disagrees with the file refuses the file, digits other than ASCII 0-9 are refused (Python's `\\d`,
`int()`, `Decimal()` and `strptime` would read `٣٤` or `１２３` as numbers).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from core.clock import KYIV, month_start
from core.errors import DomainError
from core.parsing import foreign_digits

KINDS = ("bank", "charges", "readings")
MAX_BYTES = 50 * 1024 * 1024
NUMBER_DIGITS = 12  # every amount, volume and tariff column is NUMERIC(12, places)
EARLIEST = dt.date(2000, 1, 1)  # no utility's file carries an earlier date; year 1 once crashed the reconciliation

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
        "discount_amount": ("discount_amount", "сума_знижки", "знижка_грн"),
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
# The column a file's total (shown in the preview, checked against a trailer) sums, with its decimal places.
TOTAL_COLUMN = {"bank": ("amount", 2), "charges": ("amount", 2), "readings": ("value", 3)}
# A trailer is a last line whose first field is one of these, then the row count and (optionally) the total.
TRAILER_MARKERS = ("total", "#total", "trailer", "всього", "разом", "підсумок")
SERVICE_NAMES = {
    "heating": "heating",
    "опалення": "heating",
    "цо": "heating",
    "hot_water": "hot_water",
    "гаряча вода": "hot_water",
    "гаряча_вода": "hot_water",
    "гвп": "hot_water",
}

_HEADER_GAPS = re.compile(r"[\s\-]+")
_NUMBER_GAPS = re.compile(r"[\s\u00a0\u202f]")
_NUMBER = re.compile(r"-?[0-9]+([.,][0-9]+)?")
_COUNT = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class Rejected:
    line: int
    key: str
    params: dict[str, object] = field(default_factory=dict)

    def message(self, lang: str = "uk") -> str:
        return DomainError(self.key, **self.params).message(lang)


class NumberTooLarge(ValueError):
    """More digits than the database column holds (NUMERIC(12, places)): rejected, never truncated."""


class TooManyPlaces(ValueError):
    """A number with more decimals than its column keeps (kopecks, litres): refused, never rounded."""


class ForeignDigits(ValueError):
    """Digits other than ASCII 0-9 (Arabic-Indic, full-width, ...): refused with the one message everywhere."""


def value_reason(exc: ValueError, format_key: str) -> str:
    """The message key for a value parse_decimal/parse_moment/parse_month refused."""
    if isinstance(exc, ForeignDigits):
        return "digits.non_ascii"
    if isinstance(exc, TooManyPlaces):
        return "import.too_many_places"
    return "import.number_too_large" if isinstance(exc, NumberTooLarge) else format_key


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
    if control or (
        letters and sum(1 for c in letters if "\u0400" <= c <= "\u04ff" or c.isascii()) < 0.9 * len(letters)
    ):
        raise DomainError("import.encoding")
    return text, "Windows-1251"


def _normal_header(name: str) -> str:
    return _HEADER_GAPS.sub("_", name.strip().lower())


def sniff_delimiter(first_line: str) -> str:
    return ";" if first_line.count(";") >= first_line.count(",") else ","


def parse_decimal(text: str, places: int) -> Decimal:
    """A number with a decimal comma or point and optional spaces between thousands; ASCII digits only."""
    raw = _NUMBER_GAPS.sub("", text or "")
    if foreign_digits(raw):
        raise ForeignDigits(text)
    number = _NUMBER.fullmatch(raw)
    if not number:
        raise ValueError(text)
    if len(number[1] or ".") - 1 > places:  # group 1: the separator and the decimals
        raise TooManyPlaces(text)
    value = Decimal(raw.replace(",", "."))
    if abs(value) >= 10 ** (NUMBER_DIGITS - places):
        raise NumberTooLarge(text)
    return value


_MONTH_PATTERNS = ("%Y-%m", "%Y-%m-%d", "%m.%Y", "%d.%m.%Y")


def strptime_first(raw: str, patterns: Sequence[str], text: str) -> dt.datetime:
    """`raw` read by the first of the strptime `patterns` that fits it (a naive time: the caller places it);
    ValueError(text) when none does."""
    for pattern in patterns:
        try:
            return dt.datetime.strptime(raw, pattern)  # noqa: DTZ007
        except ValueError:
            continue
    raise ValueError(text)


def parse_month(text: str) -> dt.date:
    """`2026-10`, `2026-10-01` or `10.2026`."""
    raw = (text or "").strip()
    if foreign_digits(raw):
        raise ForeignDigits(text)
    return strptime_first(raw, _MONTH_PATTERNS, text).date().replace(day=1)


def date_in_range(day: dt.date, now: dt.datetime) -> bool:
    """From 1 January 2000 to tomorrow (Kyiv): what a utility's file can carry. Earlier dates are typos or
    placeholders (`0001-01-01`), later ones are not facts yet."""
    return EARLIEST <= day <= now.astimezone(KYIV).date() + dt.timedelta(days=1)


def month_in_range(month: dt.date, now: dt.datetime) -> bool:
    return EARLIEST <= month <= month_start(now.astimezone(KYIV).date() + dt.timedelta(days=1))


def parse_service_name(text: str) -> str:
    raw = (text or "").strip()
    service = SERVICE_NAMES.get(raw) or SERVICE_NAMES.get(raw.lower())
    if service is None:
        raise ValueError(text)
    return service


@dataclass(frozen=True)
class Trailer:
    """The file's control line: how many data rows and what total it claims."""

    line: int
    rows: int
    total: Decimal | None


@dataclass
class Table:
    encoding: str
    delimiter: str
    rows: list[tuple[int, dict[str, str]]]  # (line number, column -> text)
    rejected: list[Rejected]
    data_rows: int = 0  # every data line of the file, whatever became of it
    total: Decimal = Decimal("0")  # the sum of the total column over the data lines where it is a number
    trailer: Trailer | None = None


def _split_unterminated(text: str) -> tuple[str, str]:
    """(the text up to and including its last line terminator, the unterminated rest)."""
    if text.endswith(("\n", "\r")):
        return text, ""
    cut = max(text.rfind("\n"), text.rfind("\r")) + 1
    return text[:cut], text[cut:]


def _records(text: str, delimiter: str, first_line: int = 1) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        return [(first_line - 1 + reader.line_num, record) for record in reader]
    except csv.Error as exc:
        raise DomainError("import.malformed", line=first_line - 1 + reader.line_num) from exc


def _trailer(line: int, record: list[str]) -> Trailer | None:
    """The record as a trailer, None if it is not one; a trailer that cannot be read refuses the file."""
    cells = [c.strip() for c in record]
    if not cells or cells[0].lower() not in TRAILER_MARKERS:
        return None
    figures = [c for c in cells[1:] if c]
    try:
        if not figures or not _COUNT.fullmatch(figures[0]) or len(figures) > 2:
            raise ValueError(record)
        total = parse_decimal(figures[1], 3) if len(figures) == 2 else None
    except ValueError as exc:
        raise DomainError("import.trailer_format", line=line) from exc
    return Trailer(line, int(figures[0]), total)


def decode_file(kind: str, kinds: tuple[str, ...], data: bytes) -> tuple[str, str, str]:
    """The file's text, encoding and delimiter (sniffed from the header line); an unknown kind or a file over
    MAX_BYTES is refused before anything is decoded."""
    if kind not in kinds:
        raise DomainError("import.kind_unknown")
    if len(data) > MAX_BYTES:
        raise DomainError("import.too_large")
    text, encoding = decode(data)
    header_line = next((line for line in text.splitlines() if line.strip()), "")
    return text, encoding, sniff_delimiter(header_line)


def column_mapping(header: list[str], columns: dict[str, tuple[str, ...]], required: Sequence[str]) -> dict[int, str]:
    """Which field holds which column, by the header's spellings (Ukrainian or English, any case); the file is
    refused as a whole when a required column is missing."""
    mapping: dict[int, str] = {}
    for index, name in enumerate(_normal_header(h) for h in header):
        for column, spellings in columns.items():
            if name in spellings and column not in mapping.values():
                mapping[index] = column
    missing = [c for c in required if c not in mapping.values()]
    if missing:
        raise DomainError("import.columns", columns=", ".join(missing), expected=", ".join(required))
    return mapping


def read_table(kind: str, data: bytes) -> Table:
    """Decode, sniff, map the header; a row with a wrong number of fields, or a last row without a line terminator
    (the file may be cut inside its last field), is rejected here; a trailer is read and checked."""
    text, encoding, delimiter = decode_file(kind, KINDS, data)
    complete, rest = _split_unterminated(text)
    records = _records(complete, delimiter)
    last_line = len(complete.splitlines())
    records = [(n, r) for n, r in records if any(cell.strip() for cell in r)]
    cut: tuple[int, list[str]] | None = None
    if rest.strip():
        try:
            tail = _records(rest, delimiter, last_line + 1)
        except DomainError:  # cut inside a quoted field
            tail = []
        cut = (last_line + 1, tail[0][1] if tail else [rest])
    if not records and cut is None:
        raise DomainError("import.empty")
    if not records and cut is not None:  # a header without a line end and nothing else
        records, cut = [cut], None
    _header_number, header = records[0]
    mapping = column_mapping(header, COLUMNS[kind], REQUIRED[kind])
    body = records[1:]
    trailer = None
    if cut is not None and (trailer := _trailer(*cut)) is not None:
        cut = None  # a trailer without a line end is checked below: a cut one cannot match the file
    elif cut is None and body and (trailer := _trailer(*body[-1])) is not None:
        body = body[:-1]
    total_column, places = TOTAL_COLUMN[kind]
    total_index = next(i for i, c in mapping.items() if c == total_column)
    table = Table(encoding, delimiter, [], [], trailer=trailer)
    for line, record in body + ([cut] if cut else []):
        table.data_rows += 1
        if total_index < len(record):
            try:
                table.total += parse_decimal(record[total_index], places)
            except ValueError:
                pass
        if cut is not None and line == cut[0]:
            table.rejected.append(Rejected(line, "import.truncated", {"line": line}))
        elif len(record) != len(header):
            table.rejected.append(Rejected(line, "import.field_count", {"expected": len(header), "found": len(record)}))
        else:
            table.rows.append((line, {mapping[i]: record[i].strip() for i in mapping}))
    if trailer is not None and (
        trailer.rows != table.data_rows or (trailer.total is not None and trailer.total != table.total)
    ):
        raise DomainError(
            "import.trailer_mismatch",
            line=trailer.line,
            rows=trailer.rows,
            total="—" if trailer.total is None else _plain(trailer.total, places),
            file_rows=table.data_rows,
            file_total=_plain(table.total, places),
        )
    return table


def _plain(value: Decimal, places: int) -> str:
    """`1587,45`: the file's own notation, so the operator can find the figure in it."""
    return f"{value:.{places}f}".replace(".", ",")
