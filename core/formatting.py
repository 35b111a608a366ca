"""Money, volumes and dates the Ukrainian way (Babel uk_UA): `1 866,66 ₴`, `03.03.2020`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal

from core.clock import KYIV

_LOCALES = {"uk": "uk_UA", "en": "en_GB"}


def _locale(lang: str) -> str:
    return _LOCALES.get(lang, "uk_UA")


def money(value: Decimal, lang: str = "uk") -> str:
    """`1 866,66 ₴` in Ukrainian, `1,866.66 ₴` in English (en_GB would otherwise print `UAH1,866.66`)."""
    if lang == "uk":
        return format_currency(value, "UAH", locale="uk_UA")
    return format_decimal(value, format="#,##0.00", locale=_locale(lang)) + "\u00a0₴"


def volume(value: Decimal, lang: str = "uk") -> str:
    return format_decimal(value, format="#,##0.000", locale=_locale(lang)) + ("\u00a0м³" if lang == "uk" else "\u00a0m³")


def number(value: Decimal | int, lang: str = "uk", places: int = 0) -> str:
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(value, format=pattern, locale=_locale(lang))


def percent(value: Decimal, lang: str = "uk") -> str:
    text = format_decimal(value, format="#,##0.##", locale=_locale(lang))
    return f"{text}\u00a0%"


def date(value: dt.date, lang: str = "uk") -> str:
    return format_date(value, "dd.MM.yyyy", locale=_locale(lang))


def datetime(value: dt.datetime, lang: str = "uk") -> str:
    return format_datetime(value.astimezone(KYIV), "dd.MM.yyyy HH:mm", tzinfo=KYIV, locale=_locale(lang))


def month(value: dt.date, lang: str = "uk") -> str:
    """`січень 2020` — the stand-alone month name, as on a bill."""
    return format_date(value, "LLLL yyyy", locale=_locale(lang))
