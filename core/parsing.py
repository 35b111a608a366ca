"""Parsing what people type: account numbers, amounts in Ukrainian notation, meter readings, logins."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import cast

from core.config import settings
from core.errors import DomainError

SERVICES = ("heating", "hot_water")

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")
# ASCII digits only: `\d`, int() and Decimal() also take Arabic-Indic `٣٤` or full-width `１２３`.
_NUMBER = re.compile(r"^[0-9]+([.,][0-9]+)?$")
# A grouping of thousands is well formed only if its first group does not start with 0: `0,001`, `0.001.000` and
# `012,345` group nothing (a lone comma in them is a decimal comma, checked for its places like any other).
_GROUPED = re.compile(r"^[1-9][0-9]{0,2}([.,][0-9]{3})+$")
# English groups thousands with commas and writes the decimal point: `1,866.66` (core.formatting in English).
_EN_GROUPED = re.compile(r"^[1-9][0-9]{0,2}(,[0-9]{3})+(\.[0-9]+)?$")
# What core.formatting writes after a figure, and what people add: hryvnias, cubic metres.
_UNIT = re.compile(r"\s*(₴|грн\.?|uah|м³|m³|м3|m3|куб\.?\s*м)$", re.IGNORECASE)


def foreign_digits(text: str | None) -> bool:
    """True if the text holds a decimal digit other than ASCII 0-9; refused everywhere as `digits.non_ascii`."""
    if not text or text.isascii():  # the usual case, answered without looking at each character
        return False
    return any(c.isdecimal() and not c.isascii() for c in text or "")


def parse_account_number(text: str | None) -> str:
    """13 digits; spaces and dashes people type between groups are dropped."""
    raw = (text or "").strip()
    if not raw:
        raise DomainError("account.empty")
    digits = re.sub(r"[\s\u00a0\-–—]+", "", raw)
    if foreign_digits(digits):
        raise DomainError("digits.non_ascii")
    if not re.fullmatch(r"[0-9]{13}", digits):
        raise DomainError("account.format")
    return digits


def _parse_decimal(text: str | None, prefix: str, places: int, lang: str = "uk") -> Decimal:
    """A number as typed in `lang`: Ukrainian `1 866,66` (a point works as the decimal separator too),
    English `1,866.66` (and `1866,66`: a lone comma is a decimal comma unless it groups thousands in a well-formed
    grouping `1,866` or `12,345,678`; `0,001` and `1,5` are decimal commas, so `0,001` is refused for its places)."""
    raw = (text or "").strip()
    if not raw:
        raise DomainError(f"{prefix}.empty")
    raw = _UNIT.sub("", raw)
    negative = raw[:1] in ("-", "\u2212")
    if negative:
        raw = raw[1:].strip()
    compact = _SPACES.sub("", raw)
    if foreign_digits(compact):
        raise DomainError("digits.non_ascii")
    if lang == "en" and _EN_GROUPED.match(compact):
        compact = compact.replace(",", "")
    elif _GROUPED.match(compact) and compact.count(",") + compact.count(".") > 1:
        compact = compact.replace(",", "").replace(".", "")
    if not _NUMBER.match(compact):
        raise DomainError(f"{prefix}.format")
    try:
        value = Decimal(compact.replace(",", "."))
    except InvalidOperation as exc:
        raise DomainError(f"{prefix}.format") from exc
    if -cast(int, value.as_tuple().exponent) > places:  # a finite number: the pattern above admits digits only
        raise DomainError(f"{prefix}.precision")
    return -value if negative else value


def parse_amount(text: str | None, maximum: Decimal | None = None, lang: str = "uk") -> Decimal:
    """Hryvnias with kopecks: `1866,66`, `1866.66`, `1 866,66`, `1866`, `1 866,66 ₴` are all accepted
    (in English also `1,866.66`): whatever core.formatting.money shows in `lang`. At most `maximum` (default: the
    setting TEPLO_MAX_PAYMENT)."""
    maximum = settings().max_payment if maximum is None else maximum
    value = _parse_decimal(text, "amount", 2, lang)
    if value <= 0:
        raise DomainError("amount.positive")
    if value > maximum:
        from core.formatting import Shown

        raise DomainError("amount.too_large", maximum=Shown(maximum, "money"))
    return value.quantize(Decimal("0.01"), ROUND_HALF_UP)  # exact already: at most two places were accepted


def parse_reading(text: str | None, lang: str = "uk") -> Decimal:
    """A cumulative meter value in m³ with up to 3 decimals, e.g. `123,456` (English `1,234.567`)."""
    value = _parse_decimal(text, "reading", 3, lang)
    if value < 0:
        raise DomainError("reading.negative")
    if value >= Decimal("1000000"):
        raise DomainError("reading.too_large")
    return value.quantize(Decimal("0.001"), ROUND_HALF_UP)


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_login(text: str | None) -> str:
    """A phone number normalised to +380XXXXXXXXX, or a lower-cased e-mail address."""
    raw = (text or "").strip()
    if not raw:
        raise DomainError("login.empty")
    if "@" in raw:
        if not _EMAIL.match(raw) or len(raw) > 120:
            raise DomainError("login.format")
        return raw.lower()
    digits = re.sub(r"[\s\-()]+", "", raw)
    if digits.startswith("+"):
        digits = digits[1:]
    if foreign_digits(digits):
        raise DomainError("digits.non_ascii")
    if not re.fullmatch(r"[0-9]+", digits):
        raise DomainError("login.format")
    if len(digits) == 10 and digits.startswith("0"):
        digits = "38" + digits
    elif len(digits) == 9:
        digits = "380" + digits
    if not (len(digits) == 12 and digits.startswith("380")):
        raise DomainError("login.format")
    return "+" + digits


def parse_service(text: str) -> str:
    if text not in SERVICES:
        raise DomainError("service.unknown")
    return text
