"""Backups: the nightly script's pg_dump restored by the restore drill into a fresh database, which the apps'
own code then reads (PostgreSQL; pg_dump and pg_restore from the server's client tools)."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from core import lookup
from core.staff import create_staff_user
from db.engine import make_engine, make_sessions
from tests.conftest import World, kyiv
from tests.e2e.harness import COMMAND_TIMEOUT

ROOT = Path(__file__).resolve().parents[2]
BACKUP = ROOT / "deploy" / "backup" / "teplo-backup.sh"
DRILL = ROOT / "deploy" / "backup" / "teplo-restore-drill.sh"


@pytest.fixture
def pg_world(request):
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump / pg_restore not installed")
    pg = request.getfixturevalue("pg_engine")
    from tests.conftest import _truncate

    _truncate(pg)
    return pg, World(make_sessions(pg))


def test_nightly_dump_restores_into_a_fresh_database_the_apps_read(pg_world, tmp_path):
    pg, world = pg_world
    account = world.account()
    world.charge(account, "heating", dt.date(2026, 10, 1), "2222.22", discount="16")
    world.payment(account, "heating", "1866.66", kyiv(2026, 11, 2))
    world.payment(account, "heating", "100.00", kyiv(2026, 11, 3))
    create_staff_user(world.sessions, "olena", "власна-фраза-2026", "admin", now=kyiv(2026, 11, 1))
    url = pg.url.render_as_string(hide_password=False)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "TEPLO_BACKUP_DIR": str(tmp_path / "backups"),
        "TEPLO_PYTHON": str(ROOT / ".venv" / "bin" / "python"),
    }

    backup = subprocess.run([str(BACKUP)], env=env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
    assert backup.returncode == 0, backup.stderr
    dumps = sorted((tmp_path / "backups").glob("teplo-*.dump"))
    assert len(dumps) == 1 and '"msg":"backup written"' in backup.stdout
    assert not list((tmp_path / "backups").glob(".*partial"))

    drill = subprocess.run([str(DRILL), "--keep"], env=env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
    assert drill.returncode == 0, drill.stderr + drill.stdout
    assert "schema: up to date" in drill.stdout
    assert "accounts=1 charges=1 payments=2" in drill.stdout and "payments_total=1966.66" in drill.stdout
    scratch = re.search(r"kept: database (\w+)", drill.stdout).group(1)
    restored = make_engine(f"{url.rsplit('/', 1)[0]}/{scratch}")
    try:
        card = lookup.account_card(make_sessions(restored), account)
        assert card.statement.number == "1120200001000"
        heating = next(s for s in card.statement.services if s.service == "heating")
        assert heating.balance == Decimal("1866.66") - Decimal("1966.66")
    finally:
        restored.dispose()
        with pg.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)"))
