"""Fill the {{NAME}} placeholders of the nginx site and systemd units from an install.env file.

    python deploy/render.py deploy/install.env OUTPUT_DIR

writes OUTPUT_DIR/nginx/teplo.conf and OUTPUT_DIR/systemd/*; an unknown or missing placeholder is an error, so
nothing half-filled is ever installed. The deployment test renders the same files with its own ports and paths.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATES = [
    HERE / "nginx" / "teplo.conf",
    *sorted((HERE / "systemd").glob("*.service")),
    *sorted((HERE / "systemd").glob("*.timer")),
    *sorted((HERE / "systemd").glob("*.target")),
]
PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")


def read_settings(path: Path) -> dict[str, str]:
    settings = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            settings[name.strip()] = value.strip()
    return settings


def derived(settings: dict[str, str]) -> dict[str, str]:
    """Lists in install.env become nginx lines: the upstream servers and the staff allow-list."""
    out = dict(settings)

    def servers(ports: str) -> str:
        # max_fails/fail_timeout: a dead replica is skipped for 10 s after one failed connect, then tried again.
        return "\n    ".join(f"server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;" for port in ports.split())

    out["PUBLIC_UPSTREAMS"] = servers(settings["PUBLIC_PORTS"])
    out["STAFF_UPSTREAMS"] = servers(settings["STAFF_PORTS"])
    out["STAFF_ALLOW_RULES"] = "\n    ".join(f"allow {source};" for source in settings["STAFF_ALLOW"].split())
    return out


def render_text(text: str, values: dict[str, str], name: str = "template") -> str:
    missing = sorted({m for m in PLACEHOLDER.findall(text) if m not in values})
    if missing:
        raise SystemExit(f"{name}: no value for {', '.join(missing)}")
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def render(settings: dict[str, str], output: Path) -> list[Path]:
    values = derived(settings)
    written = []
    for template in TEMPLATES:
        target = output / template.parent.name / template.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render_text(template.read_text(encoding="utf-8"), values, template.name), encoding="utf-8")
        written.append(target)
    return written


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    for path in render(read_settings(Path(argv[0])), Path(argv[1])):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
