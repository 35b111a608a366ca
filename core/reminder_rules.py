"""Who is due which e-mail reminder: pure functions of the windows, the clock, the readings still missing, the
newest charge, the consent and what was already sent (core.reminders reads the facts and sends).

- window_open: the window is open and at least one of the login's meters has no reading in it yet; from the
  window's opening until two days before it closes.
- window_closing: the last two days before the window closes (Kyiv wall-clock time) and a meter still has no
  reading; it carries the estimate that closing the window would charge.
- charge: the login's newest charge month is later than the newest one when the consent was given.
Each kind is sent at most once per login and period (the window's billing month, or the charge month).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core.clock import KYIV

WINDOW_OPEN = "window_open"
WINDOW_CLOSING = "window_closing"
CHARGE = "charge"
KINDS = (WINDOW_OPEN, WINDOW_CLOSING, CHARGE)
CLOSING_NOTICE = dt.timedelta(days=2)


@dataclass(frozen=True)
class Window:
    id: int
    period: dt.date
    opens_at: dt.datetime
    closes_at: dt.datetime  # exclusive


@dataclass(frozen=True)
class Subscriber:
    login_id: int
    login: str
    consented: bool  # consent given and not withdrawn
    charges_seen_through: dt.date | None  # the newest charge month when consent was given


@dataclass(frozen=True)
class Due:
    kind: str
    period: dt.date
    window_id: int | None = None


def is_email(login: str) -> bool:
    """Logins are a phone number (+380…) or an e-mail address (core.parsing.parse_login)."""
    return "@" in login


def closing_notice_from(window: Window) -> dt.datetime:
    """Two days before the close, counted on the Kyiv calendar (a window closing at 00:00 on the 4th: 00:00 on
    the 2nd, across a clock change too)."""
    closes = window.closes_at.astimezone(KYIV)
    return (closes.replace(tzinfo=None) - CLOSING_NOTICE).replace(tzinfo=KYIV)


def window_kind(window: Window, now: dt.datetime) -> str | None:
    """Which window reminder the moment calls for, if the window still lacks a reading."""
    if not window.opens_at <= now < window.closes_at:
        return None
    return WINDOW_CLOSING if now >= closing_notice_from(window) else WINDOW_OPEN


def due(
    subscriber: Subscriber,
    now: dt.datetime,
    windows: list[Window],
    missing: set[int],
    newest_charge: dt.date | None,
    done: set[tuple[str, dt.date]],
) -> list[Due]:
    """The reminders this login is due now. `missing`: ids of the windows in which one of its meters still has no
    reading; `done`: (kind, period) already claimed, sent or given up on (never due again)."""
    if not subscriber.consented or not is_email(subscriber.login):
        return []
    found: list[Due] = []
    for window in sorted(windows, key=lambda w: (w.period, w.id)):
        kind = window_kind(window, now)
        if kind is None or window.id not in missing or (kind, window.period) in done:
            continue
        found.append(Due(kind, window.period, window.id))
    if (
        newest_charge is not None
        and (CHARGE, newest_charge) not in done
        and (subscriber.charges_seen_through is None or newest_charge > subscriber.charges_seen_through)
    ):
        found.append(Due(CHARGE, newest_charge))
    return found
