"""Tunable business constants; each can be overridden by an environment variable of the same name."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from decimal import Decimal


def _decimal(name: str, default: str) -> Decimal:
    return Decimal(os.environ.get(name, default))


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


# Throttling of registration and login failures (DESIGN section 4).
MAX_FAILURES = _int("TEPLO_MAX_FAILURES", 5)
FAILURE_PERIOD_MINUTES = _int("TEPLO_FAILURE_PERIOD_MINUTES", 15)

# Default reading window: from the 25th of the billing month to the end of the 3rd day of the next one.
WINDOW_OPENS_DAY = 25
WINDOW_CLOSES_AFTER_DAY = 3

# Additional charges (CMU 690 / 1182): average rule for up to 3 months without readings, then the norm.
AVERAGE_RULE_MAX_MONTHS = 3
HOT_WATER_NORM_M3_PER_RESIDENT = _decimal("TEPLO_HOT_WATER_NORM", "1.6")
DEFAULT_HOT_WATER_TARIFF = _decimal("TEPLO_HOT_WATER_TARIFF", "98.52")

# Implausible consumption: several times the account's own monthly average, or far above the city's ~2 m³.
JUMP_FACTOR = _decimal("TEPLO_JUMP_FACTOR", "4")
JUMP_FLOOR_M3 = _decimal("TEPLO_JUMP_FLOOR_M3", "10")

# Payments through the cabinet.
MAX_PAYMENT = _decimal("TEPLO_MAX_PAYMENT", "100000.00")

# Consumer sessions expire after this much inactivity.
SESSION_IDLE_MINUTES = _int("TEPLO_SESSION_IDLE_MINUTES", 60 * 24 * 7)

# Unsigned payment callbacks: counted per period, and only the first of each period is audited and logged.
CALLBACK_REJECTION_PERIOD_MINUTES = _int("TEPLO_CALLBACK_REJECTION_PERIOD_MINUTES", 60)


# Production or demo (go-live). Read at call time: the mode of the process that asks, tests can switch it.
def _flag(value: object) -> bool:
    return str(value or "").strip().lower() in ("1", "true", "yes", "on")


def demo_mode(environ: Mapping[str, object] | None = None) -> bool:
    """TEPLO_DEMO=1 (set by ./run.sh): demo data, demo staff users and the demo payment provider are allowed,
    and both apps say so on every screen. Production is the default."""
    return _flag((os.environ if environ is None else environ).get("TEPLO_DEMO"))


# Expired consumer sessions and throttle rows older than this are deleted by `manage.py cleanup`.
CLEANUP_KEEP_DAYS = _int("TEPLO_CLEANUP_KEEP_DAYS", 30)
# `manage.py close-windows` freezes the additional charges of windows closed within this many days.
CLOSE_WINDOWS_WITHIN_DAYS = _int("TEPLO_CLOSE_WINDOWS_WITHIN_DAYS", 7)

# Login sessions of both apps and the reverse proxies allowed to say the request came over HTTPS.
def _networks(name: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Comma-separated IP addresses or CIDR blocks; empty means none."""
    raw = os.environ.get(name, "")
    try:
        return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in raw.split(",") if item.strip())
    except ValueError as error:
        raise ValueError(f"{name} must list IP addresses or CIDR blocks separated by commas: {error}") from None


SESSION_MAX_DAYS = _int("TEPLO_SESSION_MAX_DAYS", 30)
STAFF_SESSION_IDLE_MINUTES = _int("TEPLO_STAFF_SESSION_IDLE_MINUTES", 30)
STAFF_SESSION_MAX_HOURS = _int("TEPLO_STAFF_SESSION_MAX_HOURS", 12)
TRUSTED_PROXIES = _networks("TEPLO_TRUSTED_PROXIES")

# Monthly receipt: the utility's requisites for the payment QR code (all three needed; without them the receipt
# says the requisites are not configured and carries no QR code), and the folder of the DejaVu fonts it is set in.
UTILITY_NAME = os.environ.get("TEPLO_UTILITY_NAME", "")
UTILITY_EDRPOU = os.environ.get("TEPLO_UTILITY_EDRPOU", "")
UTILITY_IBAN = os.environ.get("TEPLO_UTILITY_IBAN", "")
FONT_DIR = os.environ.get("TEPLO_FONT_DIR", "/usr/share/fonts/truetype/dejavu")
