"""The operator command line, run as an operator would."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args, env_url, **settings):
    """manage.py with the database given and the settings named (TEPLO_DEMO="1" for the demo data)."""
    import os

    env = {**os.environ, "DATABASE_URL": env_url, **settings}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


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
    created = run("create-staff", "--username", "olena", "--role", "admin", "--password", "довга-фраза-2020", env_url=url)
    assert created.returncode == 0, created.stderr
    weak = run("create-staff", "--username", "petro", "--role", "admin", "--password", "short", env_url=url)
    assert weak.returncode == 1 and "at least 8" in weak.stderr and "Traceback" not in weak.stderr


def test_expire_payments_marks_only_links_past_their_expiry(tmp_path):
    import datetime as dt

    from sqlalchemy import select

    from core import clock
    from core.consumers import register
    from core.payments import create_intent
    from db.engine import make_engine, make_sessions
    from db.models import Account, PaymentIntent

    url = f"sqlite:///{tmp_path}/expire.sqlite3"
    assert run("migrate", env_url=url).returncode == 0
    assert run("demo", "--size", "tiny", env_url=url, TEPLO_DEMO="1").returncode == 0
    engine = make_engine(url)
    sessions = make_sessions(engine)
    login_id = register(sessions, account_number="1120200001000", last_payment="1866,66", login="cron@example.com",
                        password="довга-фраза-2020", password_repeated="довга-фраза-2020")
    with sessions() as s:
        account_id = s.scalar(select(Account.id).where(Account.number == "1120200001000"))
    now = clock.now()  # the business clock the command runs on too (pinned by TEPLO_NOW when set)
    # The fresh link first: preparing a link also expires the account's stale ones, which is not what is tested.
    fresh = create_intent(sessions, login_id, account_id, "heating", "50,00", provider="liqpay", now=now)
    old = create_intent(sessions, login_id, account_id, "heating", "100,00", provider="liqpay",
                        now=now - dt.timedelta(days=2))

    out = run("expire-payments", env_url=url)
    assert out.returncode == 0 and "1 unpaid payment links" in out.stdout, out.stderr
    with sessions() as s:
        status = dict(s.execute(select(PaymentIntent.order_id, PaymentIntent.status)).tuples().all())
    assert status[old.order_id] == "expired" and status[fresh.order_id] == "created"
    engine.dispose()
