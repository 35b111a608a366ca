"""The business clock. Everything asks here for 'now', so tests and demos can pin the date.

TEPLO_NOW pins it: an ISO date (`2020-03-02`, noon Kyiv time) or date-time (`2020-03-02T10:00`, Kyiv
time unless an offset is given).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

KYIV = ZoneInfo("Europe/Kyiv")


def parse_pinned(text: str) -> dt.datetime:
    text = text.strip()
    if len(text) == 10:
        day = dt.date.fromisoformat(text)
        return dt.datetime(day.year, day.month, day.day, 12, 0, tzinfo=KYIV)
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=KYIV)
    return moment.astimezone(KYIV)


def now() -> dt.datetime:
    from core.config import settings  # config parses TEPLO_NOW with parse_pinned above

    pinned = settings().now
    return pinned if pinned is not None else dt.datetime.now(KYIV)


def today() -> dt.date:
    return now().date()


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after day's month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def days_in_month(month: dt.date) -> int:
    return (add_months(month, 1) - month_start(month)).days


def kyiv_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=KYIV)
