"""The rows of one chunk of generated flats, made a table column at a time (numpy) rather than a row at a time.

Every random draw of a chunk is an array sized by the chunk, drawn in a fixed order from the chunk's own stream, so
the same seed gives the same rows and no outcome shifts another's draws. Money and volumes are integers of their
last place (kopecks, litres, ten-thousandths of a tariff) computed exactly and rounded half up; a float is only ever
a random draw. Times are numpy datetime64 in UTC.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.clock import KYIV, add_months, days_in_month

# A column's kind says how its values are written: "int", "text", "bool", "date", "at" (UTC instant), or
# "units2" / "units3" / "units4" (an integer count of the last of 2, 3 or 4 decimal places).
Column = tuple[str, Any]
Table = dict[str, Column]

CABINET_LAUNCH = np.datetime64("2020-02-24T22:00", "m")  # 25 Feb 2020 00:00 in Kyiv
_MINUTE = np.timedelta64(1, "m")


def stream(key: str) -> np.random.Generator:
    """A random stream named by `key` (a string, so seeds and chunk starts combine as before)."""
    return np.random.default_rng(int.from_bytes(hashlib.sha256(key.encode()).digest()[:16], "big"))


def half_up(values: np.ndarray) -> np.ndarray:
    """Non-negative floats rounded half up to integers."""
    return np.floor(values + 0.5).astype(np.int64)


def divide_half_up(numerator: np.ndarray, denominator: int) -> np.ndarray:
    """Integer division rounded half up (away from zero), exact."""
    magnitude = (np.abs(numerator) * 2 + denominator) // (2 * denominator)
    return np.where(numerator < 0, -magnitude, magnitude)


def choose(rng: np.random.Generator, size: int, options: list[Any], weights: list[float]) -> np.ndarray:
    cumulative = np.cumsum(np.asarray(weights, dtype=float))
    picked = np.searchsorted(cumulative, rng.random(size) * cumulative[-1], side="right")
    return np.asarray(options)[picked]


def kyiv_to_utc(local: np.ndarray) -> np.ndarray:
    """Kyiv wall times (datetime64[m], all between 06:00 and 24:00, clear of the daylight-saving switches at 03:00
    and 04:00) as UTC instants."""
    days = local.astype("datetime64[D]")
    unique, inverse = np.unique(days, return_inverse=True)
    offsets = [
        int(dt.datetime.combine(day, dt.time(12), tzinfo=KYIV).utcoffset().total_seconds()) // 60  # type: ignore[union-attr]
        for day in unique.tolist()
    ]
    return local - np.asarray(offsets, dtype="timedelta64[m]")[inverse]


def instant(moment: dt.datetime) -> np.datetime64:
    return np.datetime64(moment.astimezone(dt.UTC).replace(tzinfo=None), "m")


@dataclass
class Window:
    """A reading window: its opening instant and the weights of its days for a submission (most in the last days)."""

    id: int
    opens: np.datetime64
    cumulative: np.ndarray = field(repr=False)

    @classmethod
    def of(cls, window_id: int, opens: dt.datetime, closes: dt.datetime) -> Window:
        days = max(1, (closes - opens).days)
        weights = [1 + 3 * (i / days) ** 3 for i in range(days)]
        weights[-1] *= 2.2
        weights[-2 if days > 1 else -1] *= 1.6
        return cls(window_id, instant(opens), np.cumsum(np.asarray(weights)))

    def moments(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """`size` moments inside the window (UTC): a day by its weight, between 07:00 and 23:00 after its start."""
        day = np.searchsorted(self.cumulative, rng.random(size) * self.cumulative[-1], side="right")
        hour = 7 + (rng.random(size) * 16).astype(np.int64)
        minute = (rng.random(size) * 60).astype(np.int64)
        return self.opens + ((day * 24 + hour) * 60 + minute) * _MINUTE


def months_axis(first: dt.date, count: int) -> np.ndarray:
    return np.asarray([add_months(first, i) for i in range(count)], dtype="datetime64[D]")


def month_days(months: list[dt.date]) -> np.ndarray:
    return np.asarray([days_in_month(m) for m in months], dtype=np.int64)


def units_text(values: np.ndarray, places: int) -> list[str]:
    """Decimal texts of integer units: the float nearest to units / 10**places prints as exactly that decimal."""
    return list(map(repr, (values / 10**places).tolist()))


def units_decimal(units: int, places: int) -> str:
    """A non-negative count of units as the decimal text str(Decimal) gives, e.g. 12345, 3 -> '12.345'."""
    return f"{units // 10**places}.{units % 10**places:0{places}d}"


def copy_text(table: Table) -> str:
    """The table's rows in COPY's text format (tab-separated, NULL as \\N, one line each, a final newline)."""
    texts: list[list[str]] = []
    for kind, values in table.values():
        if kind == "int":
            if isinstance(values, np.ndarray):
                texts.append(list(map(str, values.tolist())))
            else:
                texts.append(["\\N" if v is None else str(v) for v in values])
        elif kind == "text":
            texts.append(values if None not in values else ["\\N" if v is None else v for v in values])
        elif kind == "bool":
            texts.append(np.where(values, "t", "f").tolist())
        elif kind == "date":
            texts.append(np.datetime_as_string(values.astype("datetime64[D]")).tolist())
        elif kind == "at":
            texts.append(np.datetime_as_string(values.astype("datetime64[s]"), timezone="UTC").tolist())
        else:
            texts.append(units_text(values, int(kind[-1])))
    return "\n".join(map("\t".join, zip(*texts, strict=True))) + "\n"


def python_rows(table: Table) -> list[tuple[Any, ...]]:
    """The table's rows as tuples of Python values (Decimal, date, aware datetime), for an executemany."""
    from decimal import Decimal

    columns: list[list[Any]] = []
    for kind, values in table.values():
        if kind in ("int", "text", "bool"):
            columns.append(values.tolist() if isinstance(values, np.ndarray) else list(values))
        elif kind == "date":
            columns.append(values.astype("datetime64[D]").tolist())
        elif kind == "at":
            columns.append([m.replace(tzinfo=dt.UTC) for m in values.astype("datetime64[us]").tolist()])
        else:
            places = int(kind[-1])
            columns.append([Decimal(v).scaleb(-places) for v in values.tolist()])
    return list(zip(*columns, strict=True))


def rows_count(table: Table) -> int:
    return len(next(iter(table.values()))[1])
