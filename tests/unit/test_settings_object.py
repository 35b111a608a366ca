"""One settings object per process (core.config.Settings): built from the environment with secrets.toml on top,
the README's defaults when a variable is unset or empty, a bad value named at start, tests' own settings installed
without touching modules."""

from __future__ import annotations

import datetime as dt
import ipaddress
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from core import clock, config, throttle
from core.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_unset_and_empty_variables_give_the_documented_defaults():
    for environ in ({}, dict.fromkeys(Settings.names().values(), "")):
        defaults = Settings.from_environ(environ)
        assert defaults.database_url.startswith("sqlite:///") and defaults.database_url.endswith("data/teplo.sqlite3")
        assert defaults.demo is False and defaults.now is None and defaults.online_payments is True
        assert (defaults.max_failures, defaults.failure_period_minutes) == (5, 15)
        assert (defaults.session_idle_minutes, defaults.session_max_days) == (10080, 30)
        assert (defaults.staff_session_idle_minutes, defaults.staff_session_max_hours) == (30, 12)
        assert (defaults.hot_water_norm, defaults.hot_water_tariff) == (Decimal("1.6"), Decimal("98.52"))
        assert defaults.max_payment == Decimal("100000.00") and defaults.payment_ttl_minutes == 1440
        assert defaults.trusted_proxies == () and defaults.log_level == "INFO"
        assert defaults.pool() == {"pool_size": 5, "max_overflow": 5, "prepare": True}


def test_values_are_read_in_their_types():
    read = Settings.from_environ(
        {
            "TEPLO_DEMO": "yes",
            "TEPLO_NOW": "2020-03-02",
            "TEPLO_MAX_FAILURES": "7",
            "TEPLO_JUMP_FACTOR": "2.5",
            "TEPLO_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8",
            "TEPLO_DEMO_PAYMENTS": "off",
            "TEPLO_LOG_LEVEL": "debug",
        }
    )
    assert read.demo is True and read.now == dt.datetime(2020, 3, 2, 12, tzinfo=clock.KYIV)
    assert read.max_failures == 7 and read.jump_factor == Decimal("2.5") and read.demo_payments is False
    assert read.trusted_proxies == (ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("10.0.0.0/8"))
    assert read.log_level == "DEBUG"


def test_secrets_toml_wins_over_the_environment(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        'PUBLIC_BASE_URL = "https://cabinet.example.ua"\nTEPLO_PAYMENT_TTL_MINUTES = 60\n'
        '[section]\nLIQPAY_PUBLIC_KEY = "not at the root"\n',
        encoding="utf-8",
    )
    read = Settings.from_environ(
        {"PUBLIC_BASE_URL": "http://old", "LIQPAY_PUBLIC_KEY": "from-env"}, config.read_secrets(secrets)
    )
    assert read.public_base_url == "https://cabinet.example.ua" and read.payment_ttl_minutes == 60
    assert read.liqpay_public_key == "from-env"  # only the root keys count
    assert config.read_secrets(tmp_path / "missing.toml") == {}


def test_a_bad_value_is_named():
    with pytest.raises(ValueError, match="TEPLO_MAX_FAILURES: cannot read 'five'"):
        Settings.from_environ({"TEPLO_MAX_FAILURES": "five"})
    with pytest.raises(ValueError, match="TEPLO_TRUSTED_PROXIES"):
        Settings.from_environ({"TEPLO_TRUSTED_PROXIES": "localhost"})
    with pytest.raises(ValueError, match="TEPLO_DB_POOL_SIZE: cannot read '0': at least 1"):
        Settings.from_environ({"TEPLO_DB_POOL_SIZE": "0"})  # to SQLAlchemy, 0 would mean no limit at all
    with pytest.raises(ValueError, match="TEPLO_DB_MAX_OVERFLOW"):
        Settings.from_environ({"TEPLO_DB_MAX_OVERFLOW": "-1"})


def test_secrets_stay_out_of_the_printed_settings():
    shown = repr(
        Settings.from_environ(
            {
                "LIQPAY_PRIVATE_KEY": "p-secret-1",
                "TEPLO_ADMIN_PASSWORD": "a-secret-2",
                "DATABASE_URL": "postgresql://teplo:db-secret-3@db/teplo",
            }
        )
    )
    assert "secret" not in shown


def test_installed_settings_are_what_the_code_reads_and_a_reset_reads_the_environment_again(monkeypatch):
    monkeypatch.delenv("TEPLO_MAX_FAILURES", raising=False)
    config.use(Settings.from_environ({"TEPLO_MAX_FAILURES": "2", "TEPLO_NOW": "2020-03-02T10:00"}))
    assert throttle.settings().max_failures == 2 and clock.now().hour == 10
    monkeypatch.setenv("TEPLO_MAX_FAILURES", "9")
    assert config.settings().max_failures == 2  # built once: the environment is not read again by itself
    config.use(None)
    assert config.settings().max_failures == 9


def test_the_command_line_names_a_bad_setting_without_a_traceback(tmp_path):
    import os

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3", "TEPLO_SESSION_MAX_DAYS": "thirty"}
    out = subprocess.run(
        [sys.executable, "manage.py", "migrate"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 2
    assert "TEPLO_SESSION_MAX_DAYS" in out.stderr and "Traceback" not in out.stderr
