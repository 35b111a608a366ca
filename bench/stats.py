"""Small timing helpers: a monotonic stopwatch in milliseconds and percentiles."""

from __future__ import annotations

import statistics
import time
from contextlib import contextmanager


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100), linear interpolation; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


@contextmanager
def stopwatch():
    """`with stopwatch() as elapsed: ...` then `elapsed()` is the time taken in milliseconds."""
    started = time.perf_counter()
    box: list[float] = []
    yield lambda: box[0] if box else (time.perf_counter() - started) * 1000
    box.append((time.perf_counter() - started) * 1000)


def best_of(function, repeat: int) -> tuple[float, object]:
    """(median milliseconds over `repeat` calls, the last result)."""
    times, result = [], None
    for _ in range(max(1, repeat)):
        started = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result
