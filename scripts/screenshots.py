"""Take the README's screenshots (docs/screenshots/*.png): both apps in demo mode over a fresh demo database.

    .venv/bin/python scripts/screenshots.py [--public-port 8501] [--staff-port 8502] [--out docs/screenshots]
                                            [--database-url URL] [--size small] [--only public|staff]

Starts the consumer cabinet and the staff dashboard with `streamlit run` on the given ports (TEPLO_DEMO=1, the
business clock pinned at TEPLO_NOW=2026-11-27T12:00, when the November window is open), drives them with
Playwright's Chromium (/usr/bin/chromium unless --chromium says otherwise) and stops them. The cabinet is shot on a phone
(390×844, device scale 2), the dashboard at 1440×900 signed in as `manager`. Without --database-url a new SQLite
demo database is made in a temporary directory; with it, that database is used as it is (for instance one with
large figures, to check how they fit).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from web.startup import serve_command  # noqa: E402

NOW = "2026-11-27T12:00"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
SEED_ACCOUNT, SEED_PAYMENT = "1120200001000", "1866,66"
CONSUMER_LOGIN, CONSUMER_PASSWORD = "+380991234567", "teplyi-dim-2026"


def environment(database_url: str, base_url: str | None = None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TEPLO_", "LIQPAY_")) and k not in ("DATABASE_URL", "PUBLIC_BASE_URL")
    }
    env |= {"DATABASE_URL": database_url, "TEPLO_DEMO": "1", "TEPLO_NOW": NOW}
    if base_url:
        env["PUBLIC_BASE_URL"] = base_url
    return env


def demo_database(directory: Path, size: str) -> str:
    url = f"sqlite:///{directory / 'screenshots.sqlite3'}"
    for command in (["migrate"], ["demo", "--size", size], ["windows"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=environment(url),
            check=True,
            capture_output=True,
            timeout=900,
        )
    return url


@contextmanager
def app(script: str, port: int, database_url: str, log: Path):
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        serve_command(script, port, "--server.address", "127.0.0.1", "--client.toolbarMode", "viewer"),
        cwd=ROOT,
        env=environment(database_url, url),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{script} did not start: {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def idle(page) -> None:
    """Streamlit has finished its script run (no running indicator) and the page has settled."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => !document.querySelector(\"[data-testid='stStatusWidget']\")", timeout=60_000)
    page.wait_for_timeout(800)  # let charts finish their transition


def see(page, text: str) -> None:
    page.get_by_text(text, exact=False).first.wait_for(timeout=60_000)
    idle(page)


def shot(page, path: Path, whole: bool, until: str | None = None) -> None:
    """The viewport, or the whole page (Streamlit scrolls inside its own container: the window is made as tall
    as the content for the shot); `until`: a CSS selector whose first match ends the shot (a long page cut
    after what the README shows)."""
    size = page.viewport_size
    clip = None
    if whole:
        height = page.evaluate("""() => Math.max(document.body.scrollHeight, ...Array.from(
            document.querySelectorAll("[data-testid='stMain'], [data-testid='stAppViewContainer']"),
            e => e.scrollHeight))""")
        page.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]), 8000)})
        page.wait_for_timeout(500)
        if until:
            bottom = page.evaluate("s => document.querySelector(s).getBoundingClientRect().bottom", until)
            clip = {"x": 0, "y": 0, "width": size["width"], "height": bottom + 24}
    page.screenshot(path=str(path), full_page=whole, clip=clip)
    page.set_viewport_size(size)
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def consumer(browser, url: str, out: Path) -> None:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="uk-UA")
    page = context.new_page()
    page.goto(url + "/register")
    see(page, "Реєстрація")
    page.get_by_label("Сума останнього платежу, ₴", exact=True).fill(SEED_PAYMENT)
    page.get_by_label("Номер особового рахунку", exact=True).fill(SEED_ACCOUNT)
    page.get_by_label("Логін: телефон або e-mail", exact=True).fill(CONSUMER_LOGIN)
    page.get_by_label("Пароль (щонайменше 8 символів)", exact=True).fill(CONSUMER_PASSWORD)
    page.get_by_label("Пароль ще раз", exact=True).fill(CONSUMER_PASSWORD)
    page.get_by_role("button", name="Зареєструватися").click()
    see(page, f"Особовий рахунок {SEED_ACCOUNT}")
    see(page, "Історія")
    # Down to the fourth row of the charges history: the table as it reads on a phone, not a year of it.
    shot(page, out / "public-account.png", whole=True, until="table tbody tr:nth-child(4)")

    page.get_by_role("link", name=re.compile(r"Показання$")).first.click()
    see(page, "Останнє прийняте показання")
    last = page.get_by_text("Останнє прийняте показання").first.inner_text()
    found = re.search(r"([\d\s\u00a0]+,\d{3})", last)
    assert found is not None, last
    value = found.group(1)
    number = float(re.sub(r"[\s\u00a0]", "", value).replace(",", "."))
    page.get_by_label("Нове показання, м³", exact=True).fill(f"{number + 3.25:.3f}".replace(".", ","))
    page.get_by_role("button", name="Надіслати показання").click()
    see(page, "Показання прийнято")
    shot(page, out / "public-readings.png", whole=True)
    context.close()


def staff(browser, url: str, out: Path) -> None:
    from core.staff import DEMO_STAFF

    context = browser.new_context(viewport=DESKTOP, locale="uk-UA")
    page = context.new_page()
    page.goto(url + "/")
    see(page, "Внутрішній застосунок")
    page.get_by_label("Ім'я користувача", exact=True).fill("manager")
    page.get_by_label("Пароль", exact=True).fill(DEMO_STAFF["manager"])
    page.get_by_role("button", name="Увійти").click()
    page.locator("[data-testid='stSidebarNav']").wait_for(state="attached", timeout=60_000)
    see(page, "Загальний борг")
    shot(page, out / "staff-overview.png", whole=False)
    page.get_by_role("link", name=re.compile(r"Донарахування$")).first.click()
    see(page, "Рахунків без показань")
    shot(page, out / "staff-additional-charges.png", whole=False)
    context.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--public-port", type=int, default=8501)
    parser.add_argument("--staff-port", type=int, default=8502)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--database-url", help="use this database as it is instead of a fresh demo one")
    parser.add_argument("--size", default="small", help="demo size for a fresh database: tiny, small or city")
    parser.add_argument("--only", choices=("public", "staff"), help="shoot one app only")
    parser.add_argument("--chromium", default="/usr/bin/chromium", help="the Chromium executable")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="teplo-shots-") as temp, ExitStack() as stack:
        directory = Path(temp)
        database = args.database_url or demo_database(directory, args.size)
        playwright = stack.enter_context(sync_playwright())
        browser = playwright.chromium.launch(executable_path=args.chromium)
        if args.only in (None, "public"):
            with app("public_app.py", args.public_port, database, directory / "public.log") as url:
                consumer(browser, url, args.out)
        if args.only in (None, "staff"):
            with app("staff_dashboard.py", args.staff_port, database, directory / "staff.log") as url:
                staff(browser, url, args.out)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
