"""The row checks the three ledger imports share: references that fit their column, a date-time that reads and has
happened, a key repeated within the file, and the account number and service a row names.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import String, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from core.clock import KYIV
from core.errors import DomainError
from core.import_conflicts import Conflict, RecordName
from core.import_parsing import (
    ForeignDigits,
    Rejected,
    date_in_range,
    parse_decimal,
    parse_service_name,
    strptime_first,
    value_reason,
)
from core.parsing import foreign_digits, parse_account_number
from db.models import Account

CENT = Decimal("0.01")


REF_LENGTH = 80  # payments/readings/registry_matches.external_ref


# The common `2026-11-02 14:30[:00]` / `2026-11-02T14:30[:00]` / `2026-11-02`, read without strptime (which is
# ~10x slower); anything else goes through the patterns in by_patterns.
_ISO_MOMENT = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[ T]([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?)?")
_MOMENT_PATTERNS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
)
_DAY_PATTERNS = ("%Y-%m-%d", "%d.%m.%Y")  # a bare date: noon


def parse_moment(text: str) -> dt.datetime:
    """`2026-11-02 14:30`, `2026-11-02T14:30:00`, `02.11.2026 14:30` or a bare date (noon), Kyiv time."""
    raw = (text or "").strip()
    if foreign_digits(raw):
        raise ForeignDigits(text)  # strptime would read them
    iso = _ISO_MOMENT.fullmatch(raw)
    if iso:
        year, month, day, hour, minute, second = iso.groups()
        try:
            if hour is None:
                return dt.datetime(int(year), int(month), int(day), 12, tzinfo=KYIV)
            return dt.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), tzinfo=KYIV)
        except ValueError:
            pass  # e.g. 2026-02-30: the patterns below refuse it too
    return by_patterns(raw, text)


def by_patterns(raw: str, text: str) -> dt.datetime:
    """`raw` (the stripped `text`) read by the formats parse_moment documents, tried one by one with strptime: what
    its faster reading of ISO dates must agree with."""
    try:
        return strptime_first(raw, _MOMENT_PATTERNS, text).replace(tzinfo=KYIV)
    except ValueError:
        return strptime_first(raw, _DAY_PATTERNS, text).replace(hour=12, tzinfo=KYIV)


@dataclass
class RowOutcome:
    """Where a ledger import's rows go: added (for the preview), duplicates (line numbers), rejected, conflicts."""

    rejected: list[Rejected]
    to_add: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)


def _too_long(line: int, column: str, text: str | None, limit: int, rejected: list[Rejected]) -> bool:
    """True (with the reason added to `rejected`) when a reference would not fit its column."""
    if text and len(text) > limit:
        rejected.append(Rejected(line, "import.too_long", {"column": column, "limit": limit, "value": text[:40] + "…"}))
        return True
    return False


def _moment(line: int, text: str, now: dt.datetime, rejected: list[Rejected]) -> dt.datetime | None:
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


def _in_file_conflict(
    kind: str,
    line: int,
    key: str,
    incoming: object,
    seen: dict[str, tuple[int, object]],
    duplicates: list[int],
    rejected: list[Rejected],
) -> bool:
    """True if the key came earlier in the same file: a duplicate line if equal, rejected if it differs (the
    reason names the record in words, as the conflicts do)."""
    if key not in seen:
        seen[key] = (line, incoming)
        return False
    first_line, first = seen[key]
    if first == incoming:
        duplicates.append(line)
    else:
        rejected.append(Rejected(line, "import.key_repeated", {"record": RecordName(kind, key), "first": first_line}))
    return True


def _accounts(session: Session, numbers: set[str]) -> dict[str, int]:
    """Account number -> id for the numbers that exist: one array parameter on PostgreSQL, IN lists elsewhere."""
    found: dict[str, int] = {}
    ordered = sorted(numbers)
    if ordered and session.connection().dialect.name == "postgresql":
        wanted = Account.number == any_(bindparam("numbers", ordered, type_=ARRAY(String)))
        return dict(session.execute(select(Account.number, Account.id).where(wanted)).tuples().all())
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        found.update(
            session.execute(select(Account.number, Account.id).where(Account.number.in_(chunk))).tuples().all()
        )
    return found


def _account_numbers(rows: list[tuple[int, dict[str, str]]]) -> dict[str, str | DomainError]:
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


def _account_and_service(
    line: int,
    row: dict[str, str],
    numbers: dict[str, str | DomainError],
    accounts: dict[str, int],
    rejected: list[Rejected],
) -> tuple[str, str] | None:
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


def _figure(
    line: int, row: dict[str, str], column: str, places: int, format_key: str, rejected: list[Rejected]
) -> Decimal | None:
    """The column's number, or None with the reason (`format_key` for a malformed one) added to `rejected`."""
    text = row.get(column, "")
    try:
        return parse_decimal(text, places)
    except ValueError as exc:
        rejected.append(Rejected(line, value_reason(exc, format_key), {"column": column, "value": text}))
        return None


def _named_rows(
    rows: list[tuple[int, dict[str, str]]],
    numbers: dict[str, str | DomainError],
    accounts: dict[str, int],
    rejected: list[Rejected],
) -> Iterator[tuple[int, dict[str, str], str, str]]:
    """(line, row, account number, service) of each row naming a known account and a service; the other rows'
    reasons are added to `rejected`."""
    for line, row in rows:
        named = _account_and_service(line, row, numbers, accounts, rejected)
        if named is not None:
            yield line, row, *named
