"""The browser and deployment suites wait through one limit, TEPLO_E2E_TIMEOUT: no test sets a wait of its own
(a fixed number of seconds that a busy machine overruns) and no test sleeps."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HARNESS = ROOT / "tests" / "e2e" / "harness.py"

# What only the harness may do: sleep (its polling helper), set Playwright's defaults, launch the browser.
RULES = {
    r"\btimeout\s*=\s*\(?\s*[\d_.]+": "a fixed timeout: leave it out (Playwright's default is TEPLO_E2E_TIMEOUT) "
    "or use harness.TIMEOUT / COMMAND_TIMEOUT",
    r"\btime\.sleep\(|\bsleep\(": "a sleep: wait for what the user sees, or poll with harness.wait_until",
    r"\.wait_for_timeout\(": "a fixed wait: wait for what the user sees",
    r"set_default(_navigation)?_timeout\(|\.set_options\(": "Playwright's defaults are set by the harness alone",
    r"\.chromium\.launch\(": "launch the browser with harness.launch_browser (its waits and evidence)",
}


def suite_files() -> list[Path]:
    return sorted(
        path for folder in ("e2e", "deploy") for path in (ROOT / "tests" / folder).glob("*.py") if path != HARNESS
    )


def test_no_browser_or_deployment_test_has_a_wait_of_its_own():
    offences = [
        f"{path.relative_to(ROOT)}:{number}: {why}: {line.strip()}"
        for path in suite_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        for pattern, why in RULES.items()
        if re.search(pattern, line.split("#", 1)[0])
    ]
    assert suite_files() and offences == [], "\n".join(offences)


def _harness_limits(value: str | None) -> subprocess.CompletedProcess:
    env = {key: val for key, val in os.environ.items() if key != "TEPLO_E2E_TIMEOUT"}
    if value is not None:
        env["TEPLO_E2E_TIMEOUT"] = value
    return subprocess.run(
        [sys.executable, "-c", "from tests.e2e import harness as h; print(h.TIMEOUT, h.TIMEOUT_MS, h.COMMAND_TIMEOUT)"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_one_limit_is_generous_by_default_and_ci_can_raise_it():
    assert _harness_limits(None).stdout.split() == ["90.0", "90000.0", "450.0"]
    assert _harness_limits("240").stdout.split() == ["240.0", "240000.0", "1200.0"]


def test_a_limit_that_is_not_a_positive_number_is_refused_with_the_settings_name():
    for wrong in ("soon", "0", "-5"):
        run = _harness_limits(wrong)
        assert run.returncode != 0
        assert "TEPLO_E2E_TIMEOUT must be a number of seconds above 0" in run.stderr, run.stderr
