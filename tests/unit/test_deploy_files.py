"""The deploy/ folder: every periodic job has a timer that starts a command manage.py knows, every unit and the
nginx site render with no placeholder left, and the site keeps its promises (TLS, WebSockets, affinity,
X-Forwarded-Proto, the staff app on its own allow-listed name)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))
import render  # noqa: E402

JOBS = {"balances", "expire-payments", "windows", "close-windows", "cleanup", "send-reminders"}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp("rendered")
    render.render(render.read_settings(ROOT / "deploy" / "install.env.example"), out)
    return out


def test_every_job_has_a_timer_running_a_manage_command(rendered):
    from manage import build_parser

    commands = set(build_parser()._subparsers._group_actions[0].choices)
    timers = {p.stem.removeprefix("teplo-"): p.read_text() for p in (rendered / "systemd").glob("teplo-*.timer")}
    assert JOBS | {"backup"} <= set(timers)
    for job in JOBS:
        assert f"Unit=teplo-job@{job}.service" in timers[job] and job in commands
        assert "Persistent=true" in timers[job]
    assert (
        "ExecStart=/opt/teplo/.venv/bin/python manage.py %i"
        in (rendered / "systemd" / "teplo-job@.service").read_text()
    )


def test_nothing_is_left_unrendered_and_a_missing_value_is_refused(rendered):
    for path in rendered.rglob("*"):
        if path.is_file():
            assert "{{" not in path.read_text(), path
    with pytest.raises(SystemExit, match="TLS_CERT"):
        render.render_text("ssl_certificate {{TLS_CERT}};", {})


def test_serve_binds_the_staff_app_to_this_machine_by_default():
    from manage import build_parser

    args = build_parser().parse_args(["serve"])
    assert (args.app, args.staff_address, args.staff_port, args.public_port) == ("both", "127.0.0.1", 8502, 8501)
    run_sh = (ROOT / "run.sh").read_text()
    assert "export TEPLO_DEMO=1" in run_sh and "manage.py serve" in run_sh


def test_nginx_site_promises(rendered):
    site = (rendered / "nginx" / "teplo.conf").read_text()
    public = site.split("server_name cabinet.example.ua;", 1)[1].split("server {", 1)[0]
    staff = site.split("server_name staff.teplo.internal;", 1)[1]
    assert "ssl_certificate /etc/letsencrypt/live/cabinet.example.ua/fullchain.pem;" in public
    for block in (public, staff):
        assert "proxy_set_header X-Forwarded-Proto $scheme;" in block
        assert "proxy_set_header Upgrade $http_upgrade;" in block
    assert "proxy_pass http://teplo_staff" not in public and "location = /payments/liqpay/callback" in public
    assert re.search(r"allow 10\.0\.0\.0/8;\s+allow 192\.168\.0\.0/16;\s+deny all;", staff)
    assert site.count("hash $teplo_route consistent;") == 2 and "ip_hash" not in site.split("#", 1)[0]
    for unit in ("teplo-public@.service", "teplo-staff@.service"):
        text = (rendered / "systemd" / unit).read_text()
        assert "--public-address 127.0.0.1" in text or "--staff-address 127.0.0.1" in text
