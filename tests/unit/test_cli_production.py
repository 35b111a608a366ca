"""The operator's go-live commands, run as an operator would: `demo` only in demo mode, `check` listing what is
unsafe (exit 1) or missing, `create-admin` from the environment, and the apps refusing an unsafe start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.unit.test_cli import run
from web.startup import serve_command

ROOT = Path(__file__).resolve().parents[2]
SAFE = {
    "TEPLO_DEMO": "",
    "PUBLIC_BASE_URL": "https://cabinet.example.ua",
    "LIQPAY_PUBLIC_KEY": "i0001",
    "LIQPAY_PRIVATE_KEY": "p0001",
    "TEPLO_TRUSTED_PROXIES": "127.0.0.1",
    "TEPLO_NOW": "",
    "STREAMLIT_SERVER_COOKIE_SECRET": "s" * 32,
}


def test_demo_data_only_in_demo_mode(tmp_path):
    url = f"sqlite:///{tmp_path}/prod.sqlite3"
    refused = run("demo", "--size", "tiny", env_url=url, TEPLO_DEMO="")
    assert refused.returncode == 2 and "TEPLO_DEMO=1" in refused.stderr
    assert "accounts" not in refused.stdout
    from sqlalchemy import inspect

    from db.engine import make_engine

    engine = make_engine(url)
    try:  # nothing written, not even the schema
        assert "accounts" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_check_lists_every_unsafe_setting_and_fails(tmp_path):
    url = f"sqlite:///{tmp_path}/check.sqlite3"
    assert run("migrate", env_url=url).returncode == 0
    out = run(
        "check",
        env_url=url,
        TEPLO_DEMO="",
        PUBLIC_BASE_URL="http://cabinet.example.ua",
        LIQPAY_PUBLIC_KEY="",
        LIQPAY_PRIVATE_KEY="",
        TEPLO_ONLINE_PAYMENTS="",
        TEPLO_NOW="",
    )
    assert out.returncode == 1
    assert "UNSAFE: PUBLIC_BASE_URL" in out.stdout and "UNSAFE: TEPLO_ONLINE_PAYMENTS" in out.stdout
    assert "WARNING: staff users: no active admin" in out.stdout and "WARNING: DATABASE_URL" in out.stdout
    assert "Traceback" not in out.stderr


def test_create_admin_from_the_environment_then_check_passes(tmp_path):
    url = f"sqlite:///{tmp_path}/admin.sqlite3"
    assert run("migrate", env_url=url).returncode == 0
    demo_password = run(
        "create-admin", env_url=url, TEPLO_ADMIN_USERNAME="olena", TEPLO_ADMIN_PASSWORD="demo-admin-2026"
    )
    assert demo_password.returncode == 1 and "demo password" in demo_password.stderr
    created = run("create-admin", env_url=url, TEPLO_ADMIN_USERNAME="olena", TEPLO_ADMIN_PASSWORD="власна-фраза-2026")
    assert created.returncode == 0 and "admin olena created" in created.stdout, created.stderr
    assert "власна-фраза-2026" not in created.stdout + created.stderr
    again = run("create-admin", env_url=url, TEPLO_ADMIN_USERNAME="olena", TEPLO_ADMIN_PASSWORD="інша-фраза-2026")
    assert again.returncode == 0 and "already exists" in again.stdout
    out = run("check", env_url=url, **SAFE)
    assert out.returncode == 0, out.stdout
    assert "UNSAFE" not in out.stdout and "WARNING: DATABASE_URL" in out.stdout  # SQLite: listed, not blocking


def test_create_admin_without_a_password_or_terminal_refuses(tmp_path):
    url = f"sqlite:///{tmp_path}/nopass.sqlite3"
    out = run("create-admin", "--username", "olena", env_url=url, TEPLO_ADMIN_PASSWORD="")
    assert out.returncode == 1 and "TEPLO_ADMIN_PASSWORD" in out.stderr


def test_apps_refuse_to_start_in_production_with_an_unsafe_setting(tmp_path):
    url = f"sqlite:///{tmp_path}/start.sqlite3"
    assert run("migrate", env_url=url).returncode == 0
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "TEPLO_DEMO": "",
        "PUBLIC_BASE_URL": "http://cabinet.example.ua",
        "LIQPAY_PUBLIC_KEY": "",
        "LIQPAY_PRIVATE_KEY": "",
        "TEPLO_NOW": "",
    }
    for script in ("public_app.py", "staff_dashboard.py"):
        started = subprocess.run(
            serve_command(script, 0),
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert started.returncode != 0, script
        assert "refusing to start" in started.stderr and "PUBLIC_BASE_URL" in started.stderr
        assert "is not https" in started.stderr and "TEPLO_ONLINE_PAYMENTS" in started.stderr
    served = run("serve", env_url=url, **{k: v for k, v in env.items() if k != "DATABASE_URL"})
    assert served.returncode == 2 and "refusing to start" in served.stderr


def test_a_multiprocessing_child_importing_an_entrypoint_is_not_refused(tmp_path):
    """A parallel test's spawned worker re-imports the parent's __main__ (an AppTest leaves an entrypoint there)
    as `__mp_main__`: that is no server start, so no guard runs and the worker lives."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path}/mp.sqlite3",
        "TEPLO_DEMO": "",
        "PUBLIC_BASE_URL": "http://cabinet.example.ua",
        "TEPLO_NOW": "",
    }
    for script in ("public_app.py", "staff_dashboard.py"):
        child = subprocess.run(
            [sys.executable, "-c", f"import runpy; runpy.run_path({script!r}, run_name='__mp_main__'); print('alive')"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert child.returncode == 0 and "alive" in child.stdout, child.stderr[-2000:]
