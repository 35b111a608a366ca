"""The operator command line, run as an operator would."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args, env_url):
    import os

    env = {**os.environ, "DATABASE_URL": env_url}
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
    loaded = run("demo", "--size", "tiny", env_url=url)
    assert loaded.returncode == 0 and "60 accounts" in loaded.stdout
    again = run("demo", "--size", "tiny", "--if-empty", env_url=url)
    assert again.returncode == 0 and "not loaded" in again.stdout
    assert run("demo", "--size", "tiny", env_url=url).returncode == 1
    created = run("create-staff", "--username", "olena", "--role", "admin", "--password", "довга-фраза-2020", env_url=url)
    assert created.returncode == 0, created.stderr
    weak = run("create-staff", "--username", "petro", "--role", "admin", "--password", "short", env_url=url)
    assert weak.returncode == 1 and "at least 8" in weak.stderr and "Traceback" not in weak.stderr
