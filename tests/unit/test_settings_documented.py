"""Every setting the code reads is documented in the README's Settings table, and the secrets file never gets
committed. A new environment variable that nobody can find in the README fails here."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {".venv", ".git", "__pycache__", "node_modules", "data", "artifacts"}

# os.environ.get("X"), os.environ["X"], os.getenv("X"), the mappings built from them (source.get("X")), and the
# fields of core.config.Settings (setting("X", default)).
_ENV_READ = re.compile(
    r"""(?:os\.environ(?:\.get)?\s*[(\[]|getenv\(|source\.get\(|secrets\.get\(|secrets\["""
    r"""|setting\()"""
    r"""\s*["']([A-Z][A-Z0-9_]*)["']"""
)
# The project's own names wherever they appear as a string (config helpers such as _int("TEPLO_X", 5)).
_OWN_NAME = re.compile(r"""["']((?:TEPLO|LIQPAY)_[A-Z0-9_]+)["']""")
# ${NAME:-default} in the shell scripts.
_SHELL_READ = re.compile(r"\$\{([A-Z][A-Z0-9_]*):?-")


def _source_files():
    for path in ROOT.rglob("*"):
        if any(part in SKIP_DIRS for part in path.relative_to(ROOT).parts) or not path.is_file():
            continue
        if path.suffix in (".py", ".sh") or path.relative_to(ROOT).as_posix() in (".ci/run",):
            yield path


def settings_read_by_the_code() -> dict[str, set[str]]:
    """Setting name -> the files that read it."""
    found: dict[str, set[str]] = {}
    for path in _source_files():
        relative = path.relative_to(ROOT).as_posix()
        if relative == "tests/unit/test_settings_documented.py":
            continue
        source = path.read_text(encoding="utf-8", errors="replace")
        names = set(_ENV_READ.findall(source))
        if path.suffix == ".py" and not relative.startswith("tests/"):
            names |= set(_OWN_NAME.findall(source))  # tests only set these, to try the code
        if path.suffix != ".py":
            names |= set(_SHELL_READ.findall(source))
        for name in names:
            found.setdefault(name, set()).add(relative)
    return found


def settings_in_the_readme() -> set[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Settings\n(.*?)(?=^## |\Z)", readme, re.S | re.M)
    assert section, "README.md has no '## Settings' section"
    names: set[str] = set()
    for line in section.group(1).splitlines():
        if line.startswith("|") and not line.startswith("|--") and not line.startswith("| setting"):
            first_cell = line.split("|")[1]
            names |= set(re.findall(r"`([A-Z][A-Z0-9_]*)`", first_cell))
    return names


def test_the_scan_finds_the_settings_known_to_be_read():
    """The scanner itself works: it sees settings read in each of the ways the code reads them."""
    found = settings_read_by_the_code()
    assert {
        "DATABASE_URL",
        "TEPLO_MAX_FAILURES",
        "TEPLO_SESSION_IDLE_MINUTES",
        "TEPLO_PAYMENT_TTL_MINUTES",
        "PUBLIC_BASE_URL",
        "LIQPAY_PRIVATE_KEY",
        "TEPLO_NOW",
        "DEMO_SIZE",
        "TEST_DATABASE_URL",
    } <= set(found)


def test_every_setting_the_code_reads_is_documented_in_the_readme():
    documented = settings_in_the_readme()
    missing = {name: sorted(files) for name, files in settings_read_by_the_code().items() if name not in documented}
    assert not missing, f"settings read by the code but missing from the README's Settings table: {missing}"


def test_every_field_of_the_settings_object_is_documented_with_its_name():
    """core.config.Settings is where the code reads its settings: each field's variable is in the README table."""
    from core.config import Settings

    names = set(Settings.names().values())
    assert {"DATABASE_URL", "TEPLO_DEMO", "TEPLO_NOW", "LIQPAY_PRIVATE_KEY", "TEPLO_MAX_FAILURES"} <= names
    assert names - settings_in_the_readme() == set()


def test_the_secrets_file_with_the_payment_key_is_never_committed():
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("git is not available to ask what it ignores")
    for path in (".streamlit/secrets.toml", "data/teplo.sqlite3"):
        ignored = subprocess.run(["git", "check-ignore", "-q", "--no-index", path], cwd=ROOT)
        assert ignored.returncode == 0, f"{path} is not ignored by git"
