"""The deployment as deploy/ ships it, set up on this machine's loopback for the deployment test and the capacity
benchmark: a self-signed certificate, the env file and the rendered nginx site and systemd units with local ports
and paths, the replicas started from their unit's ExecStart, and nginx run the way Debian's main config runs it."""

from __future__ import annotations

import os
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

from deploy import render

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_NAME, STAFF_NAME = "cabinet.test", "staff.test"
COMMAND_TIMEOUT = 300.0


@dataclass(frozen=True)
class Ports:
    https: int
    http: int
    public: list[int]
    staff: list[int]


def certificate(directory: Path, timeout: float = COMMAND_TIMEOUT) -> tuple[Path, Path]:
    """A self-signed certificate for both host names, and its key."""
    cert, key = directory / "tls.crt", directory / "tls.key"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            f"/CN={PUBLIC_NAME}",
            "-addext",
            f"subjectAltName=DNS:{PUBLIC_NAME},DNS:{STAFF_NAME}",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=timeout,
    )
    return cert, key


def env_file(path: Path, overrides: dict[str, str]) -> dict[str, str]:
    """deploy/teplo.env.example with the caller's values: what /etc/teplo/teplo.env would hold."""
    values = render.read_settings(ROOT / "deploy" / "teplo.env.example") | overrides
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()), encoding="utf-8")
    return values


def render_units(directory: Path, env: Path, ports: Ports, logs: Path, timeout: float = COMMAND_TIMEOUT) -> Path:
    """The nginx site and the systemd units filled for this machine (under `directory`/rendered): this checkout as
    the app, `env` as its env file, a fresh certificate for both names, the given ports, the logs under `logs`."""
    cert, key = certificate(directory, timeout)
    install = render.read_settings(ROOT / "deploy" / "install.env.example") | {
        "APP_DIR": str(ROOT),
        "ENV_FILE": str(env),
        "PUBLIC_NAME": PUBLIC_NAME,
        "STAFF_NAME": STAFF_NAME,
        "STAFF_ALLOW": "127.0.0.1",
        "HTTP_PORT": str(ports.http),
        "HTTPS_PORT": str(ports.https),
        "TLS_CERT": str(cert),
        "TLS_KEY": str(key),
        "STAFF_TLS_CERT": str(cert),
        "STAFF_TLS_KEY": str(key),
        "PUBLIC_PORTS": " ".join(map(str, ports.public)),
        "STAFF_PORTS": " ".join(map(str, ports.staff)),
        "NGINX_LOG_DIR": str(logs),
    }
    rendered = directory / "rendered"
    render.render(install, rendered)
    return rendered


def unit_command(path: Path, instance: str) -> tuple[list[str], dict[str, str], Path]:
    """ExecStart (with %i), the environment (EnvironmentFile= and Environment=) and WorkingDirectory of a unit."""
    command: list[str] | None = None
    env: dict[str, str] = {}
    cwd = ROOT
    for line in path.read_text(encoding="utf-8").replace("%i", instance).splitlines():
        key, _, value = line.partition("=")
        if key == "ExecStart":
            command = shlex.split(value)
        elif key == "EnvironmentFile":
            env |= render.read_settings(Path(value.lstrip("-")))
        elif key == "Environment":
            name, _, setting = value.strip('"').partition("=")
            env[name] = setting
        elif key == "WorkingDirectory":
            cwd = Path(value)
    assert command, f"{path.name} has no ExecStart"
    return command, env, cwd


def start_unit(unit: Path, port: int, log: Path) -> subprocess.Popen:
    """One instance of a rendered unit, its output in `log`: the environment is the unit's alone, on top of this
    process's without the app's settings (a developer's own never leak into the deployment)."""
    command, env, cwd = unit_command(unit, str(port))
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TEPLO_", "LIQPAY_", "STREAMLIT_")) and k not in ("DATABASE_URL", "PUBLIC_BASE_URL")
    }
    return subprocess.Popen(
        command, cwd=cwd, env=base | env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )


def nginx_conf(directory: Path, site: Path, logs: Path, *, workers: str = "1", connections: int = 512) -> Path:
    """What Debian's /etc/nginx/nginx.conf does (an http block including the site), with paths under `directory`."""
    temp = directory / "nginx-temp"
    temp.mkdir()
    user = "user root root;\n" if os.geteuid() == 0 else ""
    conf = directory / "nginx.conf"
    conf.write_text(
        f"{user}daemon off;\nworker_processes {workers};\npid {directory / 'nginx.pid'};\n"
        f"error_log {logs / 'error.log'};\nevents {{ worker_connections {connections}; }}\n"
        "http {\n  include /etc/nginx/mime.types;\n"
        + "".join(
            f"  {kind}_temp_path {temp / kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        + f"  include {site};\n}}\n",
        encoding="utf-8",
    )
    return conf


def start_nginx(conf: Path, logs: Path) -> subprocess.Popen:
    return subprocess.Popen(
        ["nginx", "-c", str(conf)],
        stdout=(logs / "nginx.out").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
