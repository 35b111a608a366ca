"""The settings: one frozen `Settings` object per process, built once from the environment (with the root keys of
.streamlit/secrets.toml on top) and read through `settings()`.

Nothing reads the environment at import time. A process builds its settings on the first `settings()` call (or
an entrypoint installs its own with `use()`, e.g. manage.py's --database-url); tests build theirs with
`Settings.from_environ({...})` and install them with `use()` instead of patching modules.

A new setting is one line in `Settings` (`name: type = setting(<its environment variable>, default)`, with a parser
when the type's own constructor is not the right one), read as `settings().name`, plus its row in the README's
Settings table (tests/unit/test_settings_documented.py checks it).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import os
import secrets as _random
import threading
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from core.session_rules import Lifetime
from db.engine import DEFAULT_DATABASE_URL, DEFAULT_MAX_OVERFLOW, DEFAULT_POOL_SIZE

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SECRETS_FILE = PROJECT_ROOT / ".streamlit" / "secrets.toml"

# Fixed rules, not settings.
# Default reading window: from the 25th of the billing month to the end of the 3rd day of the next one.
WINDOW_OPENS_DAY = 25
WINDOW_CLOSES_AFTER_DAY = 3
# Additional charges (CMU 690 / 1182): average rule for up to 3 months without readings, then the norm.
AVERAGE_RULE_MAX_MONTHS = 3

# The demo payment provider's signing key when TEPLO_DEMO_PAYMENT_KEY is not set: random, the same for the process.
_PROCESS_DEMO_KEY = _random.token_urlsafe(32)


# ----------------------------------------------------------------------------------------------- parsers


def _flag(value: object) -> bool:
    return str(value or "").strip().lower() in ("1", "true", "yes", "on")


def _not_off(value: object) -> bool:
    """On unless explicitly switched off (TEPLO_DEMO_PAYMENTS, TEPLO_DB_PREPARE)."""
    return str(value).strip().lower() not in ("0", "false", "no", "off")


def _networks(value: object) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Comma-separated IP addresses or CIDR blocks; empty means none."""
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in str(value).split(",") if item.strip())


def _moment(value: object) -> dt.datetime:
    from core.clock import parse_pinned

    return parse_pinned(str(value))


def _at_least(low: int) -> Callable[[object], int]:
    """A whole number not below `low` (a pool of 0 connections would mean no limit at all to SQLAlchemy)."""

    def parse(value: object) -> int:
        number = int(str(value).strip())
        if number < low:
            raise ValueError(f"at least {low}")
        return number

    return parse


def _text(value: object) -> str:
    return str(value).strip()


def setting(env: str, default: Any, parse: Callable[[Any], Any] | None = None, *, secret: bool = False) -> Any:
    """A field of Settings read from the environment variable `env`; unset or empty gives the default."""
    return field(default=default, repr=not secret, metadata={"env": env, "parse": parse})


# ----------------------------------------------------------------------------------------------- the settings


@dataclass(frozen=True)
class Settings:
    """Every setting the code reads, with its environment name and default (the README's Settings table)."""

    database_url: str = setting("DATABASE_URL", DEFAULT_DATABASE_URL, _text, secret=True)
    # Each process's connections to PostgreSQL: kept open, and opened beyond those at a peak (closed after it).
    db_pool_size: int = setting("TEPLO_DB_POOL_SIZE", DEFAULT_POOL_SIZE, _at_least(1))
    db_max_overflow: int = setting("TEPLO_DB_MAX_OVERFLOW", DEFAULT_MAX_OVERFLOW, _at_least(0))
    # PostgreSQL: the heaviest repeated statements prepared once per connection (db.prepared). Off behind a pooler in
    # transaction mode (PgBouncer), which hands later transactions a server connection that did not prepare them.
    db_prepare: bool = setting("TEPLO_DB_PREPARE", True, _not_off)
    # Production or demo (go-live): TEPLO_DEMO=1 (set by ./run.sh) allows demo data, demo staff users and the demo
    # payment provider, and both apps say so on every screen. Production is the default.
    demo: bool = setting("TEPLO_DEMO", False, _flag)
    now: dt.datetime | None = setting("TEPLO_NOW", None, _moment)  # pins the business clock (core.clock)
    log_level: str = setting("TEPLO_LOG_LEVEL", "INFO", lambda v: str(v).strip().upper())

    # Payments through the cabinet (core.payments.PaymentSettings).
    public_base_url: str = setting("PUBLIC_BASE_URL", "", _text)
    liqpay_public_key: str = setting("LIQPAY_PUBLIC_KEY", "", _text)
    liqpay_private_key: str = setting("LIQPAY_PRIVATE_KEY", "", _text, secret=True)
    liqpay_sandbox: bool = setting("LIQPAY_SANDBOX", False, _flag)
    online_payments: bool = setting("TEPLO_ONLINE_PAYMENTS", True, _flag)
    demo_payments: bool = setting("TEPLO_DEMO_PAYMENTS", True, _not_off)
    demo_payment_key: str = setting("TEPLO_DEMO_PAYMENT_KEY", _PROCESS_DEMO_KEY, str, secret=True)
    payment_ttl_minutes: int = setting("TEPLO_PAYMENT_TTL_MINUTES", 24 * 60)
    max_payment: Decimal = setting("TEPLO_MAX_PAYMENT", Decimal("100000.00"))
    # Unsigned payment callbacks: counted per period, and only the first of each period is audited and logged.
    callback_rejection_period_minutes: int = setting("TEPLO_CALLBACK_REJECTION_PERIOD_MINUTES", 60)

    # Throttling of registration and login failures (DESIGN section 4).
    max_failures: int = setting("TEPLO_MAX_FAILURES", 5)
    failure_period_minutes: int = setting("TEPLO_FAILURE_PERIOD_MINUTES", 15)
    # Login sessions of both apps, and the reverse proxies allowed to say the request came over HTTPS.
    session_idle_minutes: int = setting("TEPLO_SESSION_IDLE_MINUTES", 60 * 24 * 7)
    session_max_days: int = setting("TEPLO_SESSION_MAX_DAYS", 30)
    staff_session_idle_minutes: int = setting("TEPLO_STAFF_SESSION_IDLE_MINUTES", 30)
    staff_session_max_hours: int = setting("TEPLO_STAFF_SESSION_MAX_HOURS", 12)
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = setting(
        "TEPLO_TRUSTED_PROXIES", (), _networks
    )
    streamlit_cookie_secret: str = setting("STREAMLIT_SERVER_COOKIE_SECRET", "", _text, secret=True)

    # Additional charges: the norm and tariff before any imported row; implausible consumption (several times the
    # account's own monthly average, or far above the city's ~2 m³).
    hot_water_norm: Decimal = setting("TEPLO_HOT_WATER_NORM", Decimal("1.6"))
    hot_water_tariff: Decimal = setting("TEPLO_HOT_WATER_TARIFF", Decimal("98.52"))
    jump_factor: Decimal = setting("TEPLO_JUMP_FACTOR", Decimal("4"))
    jump_floor_m3: Decimal = setting("TEPLO_JUMP_FLOOR_M3", Decimal("10"))

    # Jobs: `manage.py cleanup` and `manage.py close-windows`.
    cleanup_keep_days: int = setting("TEPLO_CLEANUP_KEEP_DAYS", 30)
    close_windows_within_days: int = setting("TEPLO_CLOSE_WINDOWS_WITHIN_DAYS", 7)

    # Monthly receipt: the utility's requisites for the payment QR code (all three needed; without them the receipt
    # says the requisites are not configured and carries no QR code), and the folder of the DejaVu fonts.
    utility_name: str = setting("TEPLO_UTILITY_NAME", "", str)
    utility_edrpou: str = setting("TEPLO_UTILITY_EDRPOU", "", str)
    utility_iban: str = setting("TEPLO_UTILITY_IBAN", "", str)
    font_dir: str = setting("TEPLO_FONT_DIR", "/usr/share/fonts/truetype/dejavu", str)

    # Reminder e-mails (`manage.py send-reminders`, core/mail.py): the SMTP server (none: no e-mail is sent), its
    # port (0: 587, or 465 with ssl), login, TLS mode (starttls, ssl or none), the sender, and the secret that signs
    # the unsubscribe links (the same for the job and every public replica) with how long a link works.
    smtp_host: str = setting("TEPLO_SMTP_HOST", "", _text)
    smtp_port: int = setting("TEPLO_SMTP_PORT", 0, int)
    smtp_user: str = setting("TEPLO_SMTP_USER", "", _text)
    smtp_password: str = setting("TEPLO_SMTP_PASSWORD", "", str, secret=True)
    smtp_tls: str = setting("TEPLO_SMTP_TLS", "starttls", lambda value: str(value).strip().lower())
    mail_from: str = setting("TEPLO_MAIL_FROM", "", _text)
    unsubscribe_secret: str = setting("TEPLO_UNSUBSCRIBE_SECRET", "", str, secret=True)
    unsubscribe_days: int = setting("TEPLO_UNSUBSCRIBE_DAYS", 365, int)

    # `manage.py create-admin` without a terminal.
    admin_username: str = setting("TEPLO_ADMIN_USERNAME", "", _text)
    admin_password: str = setting("TEPLO_ADMIN_PASSWORD", "", str, secret=True)

    @classmethod
    def from_environ(
        cls, environ: Mapping[str, object] | None = None, secrets: Mapping[str, object] | None = None
    ) -> Settings:
        """The settings of `environ` (default: this process's environment), with `secrets` (root keys of
        secrets.toml) on top. A value that cannot be read stops here with the setting's name."""
        source = merged(environ, secrets)
        values: dict[str, Any] = {}
        for item in dataclasses.fields(cls):
            env: str = item.metadata["env"]
            raw = source.get(env)
            if raw is None or str(raw).strip() == "":
                continue
            parse: Callable[[Any], Any] = item.metadata["parse"] or type(item.default)
            try:
                values[item.name] = parse(raw)
            except (ValueError, TypeError, InvalidOperation) as error:
                raise ValueError(f"{env}: cannot read {str(raw)!r}: {error}") from None
        return cls(**values)

    def pool(self) -> dict[str, Any]:
        """The options of a process's engine and connection pool (db.engine.make_engine)."""
        return {"pool_size": self.db_pool_size, "max_overflow": self.db_max_overflow, "prepare": self.db_prepare}

    def consumer_session(self) -> Lifetime:
        """How long a consumer's login session lasts (core.consumer_sessions)."""
        return Lifetime(dt.timedelta(minutes=self.session_idle_minutes), dt.timedelta(days=self.session_max_days))

    def staff_session(self) -> Lifetime:
        """How long a staff login session lasts: shorter, it reaches every account (core.staff_sessions)."""
        idle, absolute = self.staff_session_idle_minutes, self.staff_session_max_hours
        return Lifetime(dt.timedelta(minutes=idle), dt.timedelta(hours=absolute))

    @staticmethod
    def names() -> dict[str, str]:
        """Field name -> environment name."""
        return {item.name: item.metadata["env"] for item in dataclasses.fields(Settings)}


def read_secrets(path: Path | None = SECRETS_FILE) -> dict[str, object]:
    """The root keys of .streamlit/secrets.toml (strings, numbers, booleans); none when there is no readable file."""
    if path is None or not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, (str, int, bool))}


def merged(
    environ: Mapping[str, object] | None = None, secrets: Mapping[str, object] | None = None
) -> dict[str, object]:
    """The environment with the secrets on top: the raw source the settings are read from."""
    source: dict[str, object] = dict(os.environ if environ is None else environ)
    source.update({k: v for k, v in (secrets or {}).items() if isinstance(v, (str, int, bool))})
    return source


# ----------------------------------------------------------------------------------------------- the process's own

_lock = threading.Lock()
_current: Settings | None = None


def settings() -> Settings:
    """This process's settings: built once, on first use, from the environment and .streamlit/secrets.toml."""
    global _current
    current = _current
    if current is None:
        with _lock:
            if _current is None:
                _current = Settings.from_environ(os.environ, read_secrets())
            current = _current
    return current


def use(chosen: Settings | None) -> None:
    """Install `chosen` as this process's settings (None: build them again from the environment on next use).
    For entrypoints that override a setting (manage.py --database-url) and for tests."""
    global _current
    with _lock:
        _current = chosen


def demo_mode() -> bool:
    """TEPLO_DEMO=1: demo data, demo staff users and the demo payment provider are allowed (and labelled)."""
    return settings().demo
