"""Real-browser harness: both apps started with `streamlit run` on free ports over a fresh demo database,
driven by Playwright in Debian's Chromium. Waits the way Streamlit's own e2e tests do: the health endpoint,
then the app's script state; never fixed sleeps."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = os.environ.get("TEPLO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
APP_IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}


def require_browser() -> None:
    """Skip with a reason when Chromium or Playwright is missing, unless CI demands the browser tests."""
    missing = None
    if not Path(CHROMIUM).exists():
        missing = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "the playwright package is not installed"
    if missing:
        if os.environ.get("TEPLO_REQUIRE_BROWSER"):
            pytest.fail(f"TEPLO_REQUIRE_BROWSER is set but {missing}")
        pytest.skip(f"browser tests skipped: {missing}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_demo_database(directory: Path, now: str, size: str = "tiny") -> str:
    """A fresh migrated SQLite file with demo data generated as of `now` (the pinned business clock)."""
    path = directory / "e2e.sqlite3"
    url = f"sqlite:///{path}"
    env = {**os.environ, "DATABASE_URL": url, "TEPLO_NOW": now}
    subprocess.run([sys.executable, "manage.py", "demo", "--size", size], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=300)
    return url


def copy_database(url: str, directory: Path, name: str) -> str:
    source = Path(url.split("///", 1)[1])
    target = directory / name
    shutil.copy(source, target)
    return f"sqlite:///{target}"


class AppServer:
    def __init__(self, script: str, database_url: str, now: str, extra_env: dict | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "DATABASE_URL": database_url, "TEPLO_NOW": now, "PUBLIC_BASE_URL": self.url,
               **(extra_env or {})}
        self.log = ARTIFACTS / f"{Path(script).stem}-{self.port}.log"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
             "--server.port", str(self.port), "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=self.log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        self._wait_healthy()

    def _wait_healthy(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited early: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)  # polling interval of the health check, not a wait for the UI
        raise RuntimeError(f"streamlit did not become healthy: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


@contextmanager
def running(script: str, database_url: str, now: str, extra_env: dict | None = None):
    server = AppServer(script, database_url, now, extra_env)
    try:
        yield server
    finally:
        server.stop()


def wait_idle(page, timeout: float = 60_000) -> None:
    """Wait until Streamlit has finished running the script for what is on screen."""
    try:
        page.wait_for_selector(APP_IDLE, timeout=timeout)
    except Exception:
        screenshot(page, "timeout-" + str(int(time.time())))
        raise


def open_app(page, url: str) -> None:
    page.goto(url)
    wait_idle(page)


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
