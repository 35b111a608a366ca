"""Is this installation safe to run for real? The list `manage.py check` prints, and the guard both apps run at
start: while an unsafe setting stands, a production process refuses to start and says what to change.

Production is the default mode. `unsafe` findings stop the apps (and make `manage.py check` exit non-zero);
`warning` findings are listed for the operator to decide. Demo mode (TEPLO_DEMO=1) is itself unsafe for a real
installation, but the apps run in it: that is what ./run.sh is for.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, sessionmaker

from core.config import Settings, settings

UNSAFE, WARNING = "unsafe", "warning"


@dataclass(frozen=True)
class Finding:
    level: str  # UNSAFE or WARNING
    setting: str
    message: str

    def __str__(self) -> str:
        return f"{self.level.upper()}: {self.setting}: {self.message}"


def check_settings(configured: Settings) -> list[Finding]:
    """What the settings alone say (no database)."""
    found: list[Finding] = []

    def add(level: str, setting: str, message: str) -> None:
        found.append(Finding(level, setting, message))

    if configured.demo:
        add(
            UNSAFE,
            "TEPLO_DEMO",
            "demo mode is on: demo data, demo staff users and the demo payment provider are "
            "allowed; unset it for a real installation",
        )
    base = configured.public_base_url
    if not base:
        add(
            UNSAFE,
            "PUBLIC_BASE_URL",
            "missing: the cabinet's public https address (e.g. https://cabinet.example.ua), "
            "which LiqPay calls back and returns the consumer to",
        )
    elif not base.lower().startswith("https://"):
        add(UNSAFE, "PUBLIC_BASE_URL", f"{base} is not https: payment links and the session cookie need TLS")
    public, private = configured.liqpay_public_key, configured.liqpay_private_key
    if bool(public) != bool(private):
        add(UNSAFE, "LIQPAY_PUBLIC_KEY, LIQPAY_PRIVATE_KEY", "only one of the two LiqPay keys is set; set both")
    elif configured.online_payments and not public:
        add(
            UNSAFE,
            "TEPLO_ONLINE_PAYMENTS",
            "online payments are on but no LiqPay keys are set: set "
            "LIQPAY_PUBLIC_KEY and LIQPAY_PRIVATE_KEY, or TEPLO_ONLINE_PAYMENTS=0",
        )
    elif not public:
        add(
            WARNING,
            "TEPLO_ONLINE_PAYMENTS",
            "online payments are off: the Pay screen says payment through the cabinet is not configured",
        )
    elif configured.liqpay_sandbox:
        add(WARNING, "LIQPAY_SANDBOX", "LiqPay sandbox mode: test cards only, no money is taken")
    if configured.now is not None:
        add(UNSAFE, "TEPLO_NOW", "the business clock is pinned (for demos and tests only); unset it")
    if not configured.database_url.startswith("postgresql"):
        add(WARNING, "DATABASE_URL", "not PostgreSQL: the embedded SQLite database suits one small server only")
    if not configured.trusted_proxies:
        add(
            WARNING,
            "TEPLO_TRUSTED_PROXIES",
            "no trusted reverse proxy: behind nginx the session cookie is not "
            "marked Secure (set the proxy's address, e.g. 127.0.0.1)",
        )
    if not configured.streamlit_cookie_secret:
        add(
            WARNING,
            "STREAMLIT_SERVER_COOKIE_SECRET",
            "not set: each replica signs its upload tokens with its own "
            "random secret, so an upload after a fail-over is refused",
        )
    return found


def check_database(sessions: sessionmaker[Session]) -> list[Finding]:
    """What the database says: reachable, migrated, no demo staff password, no demo data, an admin to sign in."""
    from core.passwords import verify_password
    from core.staff import DEMO_STAFF
    from db.migrate import is_current
    from db.models import Reading, StaffUser

    found: list[Finding] = []
    try:
        engine = sessions.kw["bind"]
        if not is_current(engine):
            return [Finding(UNSAFE, "database", "the schema is not up to date: run `manage.py migrate`")]
        with sessions() as session:
            users = session.execute(
                select(StaffUser.username, StaffUser.password_hash, StaffUser.role).where(StaffUser.active.is_(True))
            ).all()
            demo_data = session.scalar(select(exists().where(Reading.source == "demo")))
    except Exception as error:  # the operator needs the reason, not a traceback
        return [Finding(UNSAFE, "DATABASE_URL", f"the database does not answer: {type(error).__name__}")]
    from concurrent.futures import ThreadPoolExecutor

    def has_demo_password(password_hash: str) -> bool:
        return any(verify_password(password_hash, password) for password in DEMO_STAFF.values())

    with ThreadPoolExecutor(max_workers=4) as pool:  # Argon2 releases the GIL: the checks run side by side
        demo_passwords = list(pool.map(has_demo_password, [password_hash for _u, password_hash, _r in users]))
    for (username, _hash, _role), demo_password in zip(users, demo_passwords):
        if demo_password:
            found.append(
                Finding(
                    UNSAFE,
                    "staff users",
                    f"{username} has a demo password: change it on «Користувачі» or with `manage.py create-admin`",
                )
            )
    if demo_data:
        found.append(
            Finding(
                UNSAFE,
                "database",
                "holds demo data (generated accounts and readings): use an empty database for a real installation",
            )
        )
    if not any(role == "admin" for _u, _h, role in users):
        found.append(Finding(WARNING, "staff users", "no active admin: create one with `manage.py create-admin`"))
    return found


def check(sessions: sessionmaker[Session] | None, configured: Settings | None = None) -> list[Finding]:
    """The settings' findings (default: this process's settings), then the database's (when given)."""
    findings = check_settings(configured or settings())
    if sessions is not None:
        findings += check_database(sessions)
    return findings


def unsafe(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.level == UNSAFE]


def refusal(app: str, findings: list[Finding]) -> str | None:
    """The message a production app stops with, or None when nothing unsafe stands."""
    blocking = unsafe(findings)
    if not blocking:
        return None
    lines = [f"{app}: refusing to start in production mode while an unsafe setting stands:"]
    lines += [f"  - {f.setting}: {f.message}" for f in blocking]
    lines.append(
        "Fix them (see README, 'Deploy for real'), run `manage.py check`, then start again. "
        "For the demo, set TEPLO_DEMO=1 (./run.sh does)."
    )
    return "\n".join(lines)


def startup_guard(app: str) -> None:
    """Called once when an app's server starts: in production, exit with the reasons while anything is unsafe."""
    configured = settings()
    if configured.demo:
        return
    from db.engine import make_engine, make_sessions

    engine = make_engine(configured.database_url)
    try:
        message = refusal(app, check(make_sessions(engine)))
    finally:
        engine.dispose()
    if message:
        import sys

        print(message, file=sys.stderr, flush=True)
        raise SystemExit(2)
