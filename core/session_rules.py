"""When a login session ends by itself: after a stretch without use (idle) or, however busy, at a fixed age
(absolute), so a stolen or forgotten cookie cannot be kept alive for ever by using it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Lifetime:
    idle: dt.timedelta
    absolute: dt.timedelta


def expires_at(created_at: dt.datetime, last_seen_at: dt.datetime, lifetime: Lifetime) -> dt.datetime:
    """The moment the session stops working unless it is used before (the idle limit) — never after its maximum age.
    Counted in elapsed time (UTC), so a daylight-saving change neither shortens nor stretches a lifetime."""
    return min(last_seen_at.astimezone(dt.UTC) + lifetime.idle, created_at.astimezone(dt.UTC) + lifetime.absolute)


def is_live(created_at: dt.datetime, last_seen_at: dt.datetime, now: dt.datetime, lifetime: Lifetime) -> bool:
    return now < expires_at(created_at, last_seen_at, lifetime)


# A use is written down at most this often: without it, every click of every signed-in user (each page run resolves
# its session) wrote and committed a row.
SEEN_AT_MOST_EVERY = dt.timedelta(minutes=1)


def seen_again(last_seen_at: dt.datetime, now: dt.datetime, lifetime: Lifetime) -> bool:
    """Whether a use at `now` moves the recorded last use forward: once a minute, or a tenth of the idle limit if
    that is shorter. The idle limit then counts from a moment at most that much before the real last use, so a
    session can end that much early, never late."""
    return now - last_seen_at >= min(SEEN_AT_MOST_EVERY, lifetime.idle / 10)
