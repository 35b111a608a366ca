"""Operator command line: schema, demo data, staff users. Run `python manage.py --help`."""

from __future__ import annotations

import argparse
import getpass
import sys
import time

from sqlalchemy import func, select

from core import clock
from core.errors import DomainError
from db.engine import database_url, make_engine, make_sessions
from db.models import Account


def _migrate(engine) -> None:
    from db.migrate import upgrade

    upgrade(engine)


def cmd_migrate(args) -> int:
    engine = make_engine(args.database_url)
    _migrate(engine)
    print(f"schema up to date: {engine.url.render_as_string(hide_password=True)}")
    return 0


def cmd_demo(args) -> int:
    from db import demo

    engine = make_engine(args.database_url)
    _migrate(engine)
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
    from core.staff import create_staff_user

    engine = make_engine(args.database_url)
    _migrate(engine)
    password = args.password or getpass.getpass("password: ")
    try:
        user = create_staff_user(make_sessions(engine), args.username, password, args.role, args.full_name or "")
    except DomainError as exc:
        print(exc.message("en"), file=sys.stderr)
        return 1
    print(f"staff user {user.username} ({user.role}) created")
    return 0


def cmd_windows(args) -> int:
    from core.windows import ensure_default_windows

    engine = make_engine(args.database_url)
    _migrate(engine)
    until = clock.add_months(clock.today(), args.months_ahead)
    with make_sessions(engine).begin() as session:
        created = ensure_default_windows(session, clock.add_months(clock.today(), -1), until)
    print(f"{created} default reading windows created")
    return 0


def cmd_expire_payments(args) -> int:
    from core.payments import expire_stale_intents

    engine = make_engine(args.database_url)
    _migrate(engine)
    expired = expire_stale_intents(make_sessions(engine))
    print(f"{expired} unpaid payment links past their expiry marked expired")
    return 0


def cmd_balances(args) -> int:
    from core import balances

    engine = make_engine(args.database_url)
    _migrate(engine)
    rows = balances.rebuild(make_sessions(engine))
    print(f"balance snapshot taken: {rows} account/service balances")
    return 0


def cmd_import(args) -> int:
    from pathlib import Path

    from core import imports, register_import

    engine = make_engine(args.database_url)
    _migrate(engine)
    path = Path(args.file)
    module = register_import if args.kind in register_import.KINDS else imports
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
            print(f"line {change['line']}: {change['key']}: {register_import.describe_change(change['fields'])}")
        verb = "" if args.commit else " (preview; --commit to import)"
        print(f"{result.rows_total} rows ({result.encoding}, '{result.delimiter}'): {result.rows_added} added, "
              f"{result.rows_changed} changed, {len(result.unchanged)} unchanged, {len(result.rejected)} rejected{verb}")
        return 0
    for conflict in result.conflicts:
        changed = ", ".join(f"{name} {conflict.stored.get(name)} -> {conflict.incoming[name]}"
                            for name in conflict.differences)
        print(f"line {conflict.line}: conflict ({conflict.status}) with the stored {conflict.key}: {changed}")
    unit = "m3" if args.kind == "readings" else "UAH"
    print(f"file: {result.rows_total} data rows, total {result.file_total} {unit}"
          + ("" if result.trailer is None else f" (control line {result.trailer.line} matches)"))
    verb = "added" if args.commit else "to add (preview; --commit to import)"
    print(f"{result.rows_total} rows ({result.encoding}, '{result.delimiter}'): {result.rows_added} {verb}, "
          f"{len(result.duplicates)} duplicates skipped, {len(result.conflicts)} conflicts for staff "
          f"(«Конфлікти імпорту»), {len(result.rejected)} rejected")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="manage.py", description="Teplo Cabinet operator commands.")
    parser.add_argument("--database-url", default=None, help=f"default: DATABASE_URL or {database_url()}")
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

    p = sub.add_parser("import", help="import the register (accounts, meters, tariffs), a bank registry, billing "
                                      "charges or water-utility readings (CSV)")
    p.add_argument("kind", choices=["accounts", "meters", "tariffs", "bank", "charges", "readings"],
                   help="load a register in this order: accounts, meters, tariffs, charges, bank (payments)")
    p.add_argument("file")
    p.add_argument("--commit", action="store_true", help="write to the database (default: preview only)")
    p.add_argument("--actor", default="cli", help="who is importing, for the audit trail")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("expire-payments", help="mark unpaid payment links past their expiry as expired (cron: hourly)")
    p.set_defaults(func=cmd_expire_payments)

    p = sub.add_parser("balances", help="take the balance snapshot the staff overview's total debt starts from "
                                        "(cron: nightly)")
    p.set_defaults(func=cmd_balances)

    p = sub.add_parser("windows", help="create the default reading windows from last month onward")
    p.add_argument("--months-ahead", type=int, default=2)
    p.set_defaults(func=cmd_windows)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
