"""The operator command line, run as an operator would."""

import subprocess
import sys
from pathlib import Path

from tests.conftest import register_consumer

ROOT = Path(__file__).resolve().parents[2]


def run(*args, env_url, **settings):
    """manage.py with the database given and the settings named (TEPLO_DEMO="1" for the demo data)."""
    import os

    env = {**os.environ, "DATABASE_URL": env_url, **settings}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_help_lists_the_commands(tmp_path):
    out = run("--help", env_url=f"sqlite:///{tmp_path}/x.sqlite3")
    assert out.returncode == 0
    for command in ("migrate", "demo", "create-staff", "windows"):
        assert command in out.stdout


def test_migrate_demo_and_staff(tmp_path):
    url = f"sqlite:///{tmp_path}/cli.sqlite3"
    assert run("migrate", env_url=url).returncode == 0
    loaded = run("demo", "--size", "tiny", env_url=url, TEPLO_DEMO="1")
    assert loaded.returncode == 0 and "60 accounts" in loaded.stdout
    again = run("demo", "--size", "tiny", "--if-empty", env_url=url, TEPLO_DEMO="1")
    assert again.returncode == 0 and "not loaded" in again.stdout
    assert run("demo", "--size", "tiny", env_url=url, TEPLO_DEMO="1").returncode == 1
    created = run(
        "create-staff", "--username", "olena", "--role", "admin", "--password", "довга-фраза-2020", env_url=url
    )
    assert created.returncode == 0, created.stderr
    weak = run("create-staff", "--username", "petro", "--role", "admin", "--password", "short", env_url=url)
    assert weak.returncode == 1 and "at least 8" in weak.stderr and "Traceback" not in weak.stderr


def test_expire_payments_marks_only_links_past_their_expiry(tmp_path):
    import datetime as dt

    from sqlalchemy import select

    from core import clock
    from core.payments import create_intent
    from db.engine import make_engine, make_sessions
    from db.models import Account, PaymentIntent

    url = f"sqlite:///{tmp_path}/expire.sqlite3"
    assert run("migrate", env_url=url).returncode == 0
    assert run("demo", "--size", "tiny", env_url=url, TEPLO_DEMO="1").returncode == 0
    engine = make_engine(url)
    sessions = make_sessions(engine)
    login_id = register_consumer(sessions, "cron@example.com", password="довга-фраза-2020")
    with sessions() as s:
        account_id = s.scalar(select(Account.id).where(Account.number == "1120200001000"))
    now = clock.now()  # the business clock the command runs on too (pinned by TEPLO_NOW when set)
    # The fresh link first: preparing a link also expires the account's stale ones, which is not what is tested.
    fresh = create_intent(sessions, login_id, account_id, "heating", "50,00", provider="liqpay", now=now)
    old = create_intent(
        sessions, login_id, account_id, "heating", "100,00", provider="liqpay", now=now - dt.timedelta(days=2)
    )

    out = run("expire-payments", env_url=url)
    assert out.returncode == 0 and "1 unpaid payment links" in out.stdout, out.stderr
    with sessions() as s:
        status = dict(s.execute(select(PaymentIntent.order_id, PaymentIntent.status)).tuples().all())
    assert status[old.order_id] == "expired" and status[fresh.order_id] == "created"
    engine.dispose()


def test_import_loads_the_register_from_the_sample_files_once(tmp_path):
    url = f"sqlite:///{tmp_path}/register.sqlite3"
    samples = ROOT / "data" / "samples"
    preview = run("import", "accounts", str(samples / "accounts.csv"), env_url=url)
    assert preview.returncode == 0, preview.stderr
    assert "5 added, 0 changed, 0 unchanged, 0 rejected (preview; --commit to import)" in preview.stdout
    for kind, name, added in (
        ("accounts", "accounts.csv", 5),
        ("meters", "meters.csv", 5),
        ("tariffs", "tariffs.csv", 2),
        ("charges", "charges.csv", 3),
        ("bank", "bank_registry.csv", 3),
    ):
        done = run("import", kind, str(samples / name), "--commit", env_url=url)
        assert done.returncode == 0 and f" {added} added" in done.stdout, (kind, done.stdout, done.stderr)
    again = run("import", "meters", str(samples / "meters.csv"), "--commit", env_url=url)
    assert "0 added, 0 changed, 5 unchanged, 0 rejected" in again.stdout

    later = tmp_path / "later.csv"
    later.write_text(
        "account_number;street;building;flat;residents;heating;hot_water;heated_area\n"
        "1120200001000;вул. Гулака-Артемовського;20;1;3;1;1;62,40\n"
        "1120200001099;вул. Гулака-Артемовського;20;99;два;1;1;62,40\n",
        encoding="utf-8",
    )
    changed = run("import", "accounts", str(later), "--commit", env_url=url)
    assert changed.returncode == 0
    assert "line 2: 1120200001000: residents: 2 → 3" in changed.stdout
    assert "line 3: Residents “два” is not a whole number from 0 to 999." in changed.stdout
    assert "0 added, 1 changed, 0 unchanged, 1 rejected" in changed.stdout

    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"\x00\xff\xfe garbage")
    refused = run("import", "tariffs", str(broken), env_url=url)
    assert refused.returncode == 1 and "cannot be read" in refused.stderr and "Traceback" not in refused.stderr


def test_import_of_a_registry_with_year_one_dates_reports_the_lines_and_no_traceback(tmp_path):
    url = f"sqlite:///{tmp_path}/import.sqlite3"
    assert run("demo", "--size", "tiny", env_url=url, TEPLO_DEMO="1").returncode == 0
    registry = tmp_path / "registry.csv"
    registry.write_bytes(
        b"account_number;service;amount;paid_at;payment_ref\r\n"
        b"1120200001000;heating;100,00;0001-01-01;Y-1\r\n"
        b"1120200001000;heating;100,00;01.01.0001 00:30;Y-2\r\n"
        b"1120200001000;heating;100,00;2020-01-10;Y-3\r\n"
        b"1120200001000;heating;15"
    )
    out = run("import", "bank", str(registry), env_url=url)
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    assert "line 2: Date “0001-01-01” is outside the accepted range" in out.stdout
    assert "line 3: Date “01.01.0001 00:30”" in out.stdout
    assert "line 5: Line 5 is the last one and has no line end" in out.stdout
    assert "file: 4 data rows, total 315.00 UAH" in out.stdout
    assert "1 to add (preview" in out.stdout


def test_send_reminders_without_smtp_says_it_is_not_configured_and_sends_nothing(tmp_path):
    url = f"sqlite:///{tmp_path}/mail.sqlite3"
    out = run("send-reminders", env_url=url, TEPLO_SMTP_HOST="", TEPLO_MAIL_FROM="", TEPLO_UNSUBSCRIBE_SECRET="")
    assert out.returncode == 2
    assert "not configured; nothing sent" in out.stderr and "TEPLO_SMTP_HOST is not set" in out.stderr
    assert "Traceback" not in out.stderr


def test_send_reminders_with_nobody_opted_in_prints_an_empty_summary(tmp_path):
    url = f"sqlite:///{tmp_path}/mail.sqlite3"
    out = run(
        "send-reminders",
        env_url=url,
        TEPLO_SMTP_HOST="127.0.0.1",
        TEPLO_SMTP_PORT="9",
        TEPLO_SMTP_TLS="none",
        TEPLO_MAIL_FROM="noreply@cabinet.example.ua",
        TEPLO_UNSUBSCRIBE_SECRET="x" * 32,
        PUBLIC_BASE_URL="https://cabinet.example.ua",
    )
    assert out.returncode == 0, out.stderr
    assert "0 reminders due: 0 sent, 0 failed" in out.stdout
