"""Money, volumes and dates as people read them: Babel uk_UA (`1 866,66 ₴`, `03.03.2020`) or English.

Every figure is rounded half up to the places shown (Babel alone would round half to even: `0,125` → `0,12`),
and whatever `money` or `volume` shows in a language, `core.parsing` reads back in that language.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import NumberPattern, format_currency, format_decimal, parse_pattern

from core.clock import KYIV
from core.i18n import t

_LOCALES = {"uk": "uk_UA", "en": "en_GB"}


@cache
def _locale(lang: str) -> Locale:
    """Parsed once: Babel parses a locale named by a string on every call (a staff table of 200 rows formats about
    a thousand figures a page run)."""
    return Locale.parse(_LOCALES.get(lang, "uk_UA"))


@cache
def _pattern(pattern: str) -> NumberPattern:
    return parse_pattern(pattern)


def half_up(value: Decimal | int, places: int) -> Decimal:
    """The value rounded half up (away from zero) to `places` decimals: the utility's rounding everywhere."""
    return Decimal(value).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)


def money(value: Decimal, lang: str = "uk") -> str:
    """`1 866,66 ₴` in Ukrainian, `1,866.66 ₴` in English (en_GB would otherwise print `UAH1,866.66`)."""
    value = half_up(value, 2)
    if lang == "uk":
        return format_currency(value, "UAH", locale=_locale("uk"))
    return format_decimal(value, format=_pattern("#,##0.00"), locale=_locale(lang)) + "\u00a0₴"


def volume(value: Decimal, lang: str = "uk") -> str:
    text = format_decimal(half_up(value, 3), format=_pattern("#,##0.000"), locale=_locale(lang))
    return text + "\u00a0" + t("unit.cubic_metres", lang)


def number(value: Decimal | int, lang: str = "uk", places: int = 0) -> str:
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(half_up(value, places), format=_pattern(pattern), locale=_locale(lang))


def percent(value: Decimal, lang: str = "uk") -> str:
    text = format_decimal(half_up(value, 2), format=_pattern("#,##0.##"), locale=_locale(lang))
    return f"{text}\u00a0%"


@dataclass(frozen=True)
class Shown:
    """A figure inside a message, formatted in the language the message is finally shown in (core.i18n.t),
    so an English message never carries a Ukrainian `1 866,66`."""

    value: Decimal
    kind: str = "number"  # money | volume | number
    places: int = 0

    def localized(self, lang: str) -> str:
        if self.kind == "money":
            return money(self.value, lang)
        if self.kind == "volume":
            return volume(self.value, lang)
        return number(self.value, lang, self.places)

    def __str__(self) -> str:
        return self.localized("uk")


def date(value: dt.date, lang: str = "uk") -> str:
    return format_date(value, "dd.MM.yyyy", locale=_locale(lang))


def datetime(value: dt.datetime, lang: str = "uk") -> str:
    return format_datetime(value.astimezone(KYIV), "dd.MM.yyyy HH:mm", tzinfo=KYIV, locale=_locale(lang))


def month(value: dt.date, lang: str = "uk") -> str:
    """`січень 2020` — the stand-alone month name, as on a bill."""
    return format_date(value, "LLLL yyyy", locale=_locale(lang))
