"""Operator command line: schema, demo data, staff users. Run `python manage.py --help`."""

from __future__ import annotations

import argparse
import getpass
import sys
import time

from sqlalchemy import func, select

from core.config import settings
from core.errors import DomainError
from db.engine import DEFAULT_DATABASE_URL, make_engine, make_sessions
from db.models import Account


def _engine():
    """The database of the settings (DATABASE_URL, or --database-url: main() installs it in the settings)."""
    return make_engine(settings().database_url, **settings().pool())


def _migrated_engine():
    """The settings' database with its schema brought up to date: where every writing command starts."""
    from db.migrate import upgrade

    engine = _engine()
    upgrade(engine)
    return engine


def _create_staff(sessions, username: str, password: str, role: str, full_name: str, *, created: str, **options) -> int:
    """Create a staff user and print `created` (formatted with the user); or exit code 1 with the reason printed
    (a name taken, a password the policy refuses)."""
    from core.staff import create_staff_user

    try:
        user = create_staff_user(sessions, username, password, role, full_name, **options)
    except DomainError as exc:
        print(exc.message("en"), file=sys.stderr)
        return 1
    print(created.format(user=user))
    return 0


def cmd_migrate(args) -> int:
    engine = _migrated_engine()
    print(f"schema up to date: {engine.url.render_as_string(hide_password=True)}")
    return 0


def cmd_demo(args) -> int:
    from core.config import demo_mode
    from demo import generator as demo

    if not demo_mode():
        print(
            "demo data is for demo mode only: set TEPLO_DEMO=1 (./run.sh does); a real installation starts "
            "from an empty database and its own register",
            file=sys.stderr,
        )
        return 2
    engine = _migrated_engine()
    with make_sessions(engine)() as session:
        existing = session.scalar(select(func.count()).select_from(Account))
    if existing:
        if args.if_empty:
            print(f"database already holds {existing} accounts; demo data not loaded")
            return 0
        print(f"database already holds {existing} accounts; use an empty database", file=sys.stderr)
        return 1
    size = int(args.size) if args.size.isdigit() else args.size
    started = time.perf_counter()
    summary = demo.generate(engine, size=size, seed=args.seed)
    print(
        f"demo data loaded in {time.perf_counter() - started:.1f} s: {summary.accounts} accounts, "
        f"{summary.charges} charges, {summary.payments} payments, {summary.readings} readings, "
        f"{summary.windows} reading windows"
    )
    return 0


def cmd_create_staff(args) -> int:
    engine = _migrated_engine()
    password = args.password or getpass.getpass("password: ")
    return _create_staff(
        make_sessions(engine),
        args.username,
        password,
        args.role,
        args.full_name or "",
        created="staff user {user.username} ({user.role}) created",
    )


def cmd_windows(args) -> int:
    from core.jobs import ensure_windows

    engine = _migrated_engine()
    created = ensure_windows(make_sessions(engine), months_ahead=args.months_ahead)
    print(f"{created} default reading windows created")
    return 0


def cmd_expire_payments(args) -> int:
    from core.payments import expire_stale_intents

    engine = _migrated_engine()
    expired = expire_stale_intents(make_sessions(engine))
    print(f"{expired} unpaid payment links past their expiry marked expired")
    return 0


def cmd_balances(args) -> int:
    from core import balances

    engine = _migrated_engine()
    days = balances.record(make_sessions(engine))
    print("total debt recorded at the start of " + " and ".join(day.isoformat() for day in days))
    return 0


def cmd_import(args) -> int:
    from pathlib import Path

    from core import imports, register_import, register_parsing

    engine = _migrated_engine()
    path = Path(args.file)
    module = register_import if args.kind in register_parsing.KINDS else imports
    try:
        data = path.read_bytes()
        run = module.commit if args.commit else module.preview
        result = run(make_sessions(engine), args.kind, path.name, data, actor=args.actor)
    except OSError as exc:
        print(f"cannot read {path}: {exc}", file=sys.stderr)
        return 1
    except DomainError as exc:
        print(exc.message("en"), file=sys.stderr)
        return 1
    for rejected in result.rejected:
        print(f"line {rejected.line}: {rejected.message('en')}")
    if module is register_import:
        for change in result.changes:
            described = register_import.describe_change(change["fields"], "en")
            print(f"line {change['line']}: {change['key']}: {described}")
        verb = "" if args.commit else " (preview; --commit to import)"
        print(
            f"{result.rows_total} rows ({result.encoding}, '{result.delimiter}'): {result.rows_added} added, "
            f"{result.rows_changed} changed, {len(result.unchanged)} unchanged, {len(result.rejected)} rejected{verb}"
        )
        return 0
    for conflict in result.conflicts:
        changed = ", ".join(
            f"{name} {conflict.stored.get(name)} -> {conflict.incoming[name]}" for name in conflict.differences
        )
        print(f"line {conflict.line}: conflict ({conflict.status}) with the stored {conflict.key}: {changed}")
    unit = "m3" if args.kind == "readings" else "UAH"
    print(
        f"file: {result.rows_total} data rows, total {result.file_total} {unit}"
        + ("" if result.trailer is None else f" (control line {result.trailer.line} matches)")
    )
    verb = "added" if args.commit else "to add (preview; --commit to import)"
    print(
        f"{result.rows_total} rows ({result.encoding}, '{result.delimiter}'): {result.rows_added} {verb}, "
        f"{len(result.duplicates)} duplicates skipped, {len(result.conflicts)} conflicts for staff "
        f"(«Конфлікти імпорту»), {len(result.rejected)} rejected"
    )
    return 0


def cmd_close_windows(args) -> int:
    from core.jobs import close_windows

    engine = _migrated_engine()
    done = close_windows(make_sessions(engine), within_days=args.within_days)
    print(
        f"{len(done)} closed reading windows processed (additional charges frozen)"
        + (": " + ", ".join(p.strftime("%Y-%m") for p in done) if done else "")
    )
    return 0


def cmd_cleanup(args) -> int:
    from core.jobs import cleanup

    engine = _migrated_engine()
    ended, attempts = cleanup(make_sessions(engine), keep_days=args.keep_days)
    print(f"deleted {ended} ended consumer sessions and {attempts} old failed attempts")
    return 0


def cmd_send_reminders(args) -> int:
    """E-mail reminders to consumers who opted in; each at most once, whatever runs at the same time."""
    from core import mail, reminders

    mail_settings = mail.MailSettings.load()  # the environment, secrets.toml on top, as the apps read
    problems = mail_settings.problems()
    if problems:
        print("e-mail reminders are not configured; nothing sent:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    engine = _migrated_engine()
    summary = reminders.send_reminders(make_sessions(engine), mail_settings)
    for error in summary.errors:
        print(f"  {error}", file=sys.stderr)
    print(summary)
    return 1 if summary.failed or summary.uncertain else 0


def cmd_check(args) -> int:
    """Like Django's `check --deploy`: every unsafe or missing setting; non-zero exit while anything is unsafe."""
    from core.deployment import UNSAFE, check

    engine = _engine()
    try:
        findings = check(make_sessions(engine))
    finally:
        engine.dispose()
    if not findings:
        print("System check identified no issues.")
        return 0
    print("System check identified some issues:")
    for finding in sorted(findings, key=lambda f: f.level != UNSAFE):
        print(f"  {finding}")
    unsafe = sum(f.level == UNSAFE for f in findings)
    print(f"System check identified {len(findings)} issues ({unsafe} unsafe).")
    return 1 if unsafe else 0


def cmd_create_admin(args) -> int:
    """The first admin, interactively or from TEPLO_ADMIN_USERNAME / TEPLO_ADMIN_PASSWORD (never printed)."""
    from core.staff import DEMO_STAFF
    from db.models import StaffUser

    username = (args.username or settings().admin_username).strip().lower()
    interactive = sys.stdin.isatty()
    if not username and interactive:
        username = input("admin username: ").strip().lower()
    if not username:
        print("give the username: --username or TEPLO_ADMIN_USERNAME", file=sys.stderr)
        return 1
    engine = _migrated_engine()
    sessions = make_sessions(engine)
    with sessions() as session:
        if session.scalar(select(StaffUser.id).where(StaffUser.username == username)) is not None:
            print(f"staff user {username} already exists; nothing changed")
            return 0
    password = settings().admin_password
    if not password:
        if not interactive:
            print("no password: set TEPLO_ADMIN_PASSWORD or run the command in a terminal", file=sys.stderr)
            return 1
        password = getpass.getpass("password (at least 8 characters): ")
        if getpass.getpass("the same password again: ") != password:
            print("the passwords differ", file=sys.stderr)
            return 1
    if password in DEMO_STAFF.values():
        print("that is a published demo password; choose another", file=sys.stderr)
        return 1
    return _create_staff(
        sessions,
        username,
        password,
        "admin",
        args.full_name or "",
        actor="cli",
        created="admin {user.username} created",
    )


def cmd_summary(args) -> int:
    """What the database holds, read through the apps' own code: the restore drill's proof that a dump is usable."""
    from core import dashboard
    from db.migrate import is_current
    from db.models import Charge, Payment, Reading, StaffUser

    engine = _engine()
    sessions = make_sessions(engine)
    if not is_current(engine):
        print("schema: not up to date (run manage.py migrate)", file=sys.stderr)
        return 1
    with sessions() as session:
        counts = {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in (Account, Charge, Payment, Reading, StaffUser)
        }
        paid = session.scalar(select(func.coalesce(func.sum(Payment.amount), 0)))
    overview = dashboard.overview(sessions)
    print("schema: up to date")
    print(" ".join(f"{name}={count}" for name, count in counts.items()) + f" payments_total={paid}")
    print(f"total_debt={overview.debt} cabinet_logins={overview.registered}")
    return 0


def production_command(script: str, address: str, port: int) -> list[str]:
    """`streamlit run` of one app as production serves it; the benchmark starts its servers with the same command."""
    from web.startup import serve_command

    return serve_command(
        script, port, "--server.address", address, "--server.runOnSave", "false", "--client.toolbarMode", "viewer"
    )


def cmd_serve(args) -> int:
    """Both apps (or one) for production, without demo data: the public cabinet and the staff dashboard, the
    latter on 127.0.0.1 unless told otherwise. Refuses to start while `manage.py check` finds anything unsafe."""
    import os
    import signal
    import subprocess

    from core.config import demo_mode
    from core.deployment import check, refusal

    if not demo_mode():
        engine = _engine()
        try:
            message = refusal("serve", check(make_sessions(engine)))
        finally:
            engine.dispose()
        if message:
            print(message, file=sys.stderr)
            return 2
    env = dict(os.environ)
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    apps = {
        "public": ("public_app.py", args.public_address, args.public_port),
        "staff": ("staff_dashboard.py", args.staff_address, args.staff_port),
    }
    chosen = ["public", "staff"] if args.app == "both" else [args.app]
    processes = []
    for name in chosen:
        script, address, port = apps[name]
        command = production_command(script, address, port)
        if len(chosen) == 1:
            os.execve(sys.executable, command, env)  # one app: become it (systemd then signals it directly)
        processes.append(subprocess.Popen(command, env=env))

    def stop(_signum, _frame):
        for process in processes:
            if process.poll() is None:
                process.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    codes = []
    for process in processes:
        codes.append(process.wait())
        stop(None, None)  # one app gone: stop the other too, so the supervisor sees the failure
    return max(codes, default=0)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="manage.py", description="Teplo Cabinet operator commands.")
    parser.add_argument("--database-url", default=None, help=f"default: DATABASE_URL or {DEFAULT_DATABASE_URL}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("migrate", help="create or upgrade the schema")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("demo", help="load deterministic demo data into an empty database")
    p.add_argument("--size", default="small", help="tiny (60), small (2,000), city (80,000) or a number of accounts")
    p.add_argument("--seed", type=int, default=2020)
    p.add_argument("--if-empty", action="store_true", help="do nothing when the database already has accounts")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("create-staff", help="create a staff user (the first admin, say)")
    p.add_argument("--username", required=True)
    p.add_argument("--role", required=True, choices=["admin", "manager", "analyst", "operator"])
    p.add_argument("--full-name")
    p.add_argument("--password", help="prompted for when omitted")
    p.set_defaults(func=cmd_create_staff)

    p = sub.add_parser(
        "import",
        help="import the register (accounts, meters, tariffs), a bank registry, billing "
        "charges or water-utility readings (CSV)",
    )
    p.add_argument(
        "kind",
        choices=["accounts", "meters", "tariffs", "bank", "charges", "readings"],
        help="load a register in this order: accounts, meters, tariffs, charges, bank (payments)",
    )
    p.add_argument("file")
    p.add_argument("--commit", action="store_true", help="write to the database (default: preview only)")
    p.add_argument("--actor", default="cli", help="who is importing, for the audit trail")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("expire-payments", help="mark unpaid payment links past their expiry as expired (cron: hourly)")
    p.set_defaults(func=cmd_expire_payments)

    p = sub.add_parser(
        "balances", help="record the total debt the staff overview compares today's with (cron: nightly)"
    )
    p.set_defaults(func=cmd_balances)

    p = sub.add_parser("windows", help="create the default reading windows from last month onward (cron: daily)")
    p.add_argument("--months-ahead", type=int, default=2)
    p.set_defaults(func=cmd_windows)

    p = sub.add_parser(
        "close-windows", help="freeze the additional charges of reading windows that have closed (cron: daily)"
    )
    p.add_argument(
        "--within-days",
        type=int,
        default=None,
        help="only windows closed in this many days (default TEPLO_CLOSE_WINDOWS_WITHIN_DAYS, 7)",
    )
    p.set_defaults(func=cmd_close_windows)

    p = sub.add_parser("cleanup", help="delete ended consumer sessions and old failed attempts (cron: daily)")
    p.add_argument("--keep-days", type=int, default=None, help="default TEPLO_CLEANUP_KEEP_DAYS (30)")
    p.set_defaults(func=cmd_cleanup)

    p = sub.add_parser(
        "send-reminders",
        help="e-mail the consumers who opted in: reading window open or closing, a new charge (cron: hourly)",
    )
    p.set_defaults(func=cmd_send_reminders)

    p = sub.add_parser(
        "check", help="list every unsafe or missing setting for a real installation (exit 1 while anything is unsafe)"
    )
    p.set_defaults(func=cmd_check)

    p = sub.add_parser(
        "create-admin",
        help="create the first admin, interactively or from TEPLO_ADMIN_USERNAME and TEPLO_ADMIN_PASSWORD",
    )
    p.add_argument("--username")
    p.add_argument("--full-name")
    p.set_defaults(func=cmd_create_admin)

    p = sub.add_parser("summary", help="what the database holds, read through the apps' code (restore drill)")
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("serve", help="start the apps for production (no demo data); refuses while anything is unsafe")
    p.add_argument("app", nargs="?", choices=["both", "public", "staff"], default="both")
    p.add_argument("--public-address", default="0.0.0.0")
    p.add_argument("--public-port", type=int, default=8501)
    p.add_argument("--staff-address", default="127.0.0.1", help="default 127.0.0.1: the internal network only")
    p.add_argument("--staff-port", type=int, default=8502)
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    import dataclasses

    from core import config, logs

    args = build_parser().parse_args(argv)
    try:
        config.settings()  # built once for the run: a setting that cannot be read is named, with no traceback
    except ValueError as error:
        print(f"manage.py: {error}", file=sys.stderr)
        return 2
    if args.database_url:  # the one setting the command line may override, for every command of this run
        config.use(dataclasses.replace(config.settings(), database_url=args.database_url))
    logs.configure(stream=sys.stderr)  # JSON log lines apart from the command's own report on stdout
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
