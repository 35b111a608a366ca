"""Row g: what a user waits for in a real browser, against the same step on the smallest Streamlit app that does it.

Both apps are served the way the deployment serves them (`manage.py serve`'s `streamlit run` command, with their ASGI
middleware, page shell and cookie routes) in demo mode (the demo payment provider), over a scratch copy of the
benchmark database (the steps register, submit readings and pay); Debian's Chromium is driven by Playwright.
A step is timed from the user's action (a click, a reload, a new tab) until the page's script has settled
(`data-test-script-state='notRunning'`) and a text the target page shows is visible.

- the consumer cabinet, each run with a consumer of its own: login, a reload of My account, a new tab while logged
  in, My account → Readings, a reading submitted, a payment prepared, on to the demo provider, its result; and a
  registration by the last payment of an account nobody registered yet;
- every staff page, first open after the server process was restarted (cold: no cache, no imported page module)
  and its second open (cached); signed in on another page first;
- the reference, in the same run and interleaved with the project's runs: bench/browser_floor.py, served by the
  same command: a form that switches page, a page with a table (its reload, a new tab on it, its first open after
  a restart and its second open), a menu link, a form answered on its own page, a button that switches page.

p50 and p95 of each step, the ratio to its reference, and the load average (1 min) at the start and end of the step's
runs. Usage: `python -m bench.run_benchmark --rows g [--browser-runs N]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, exists, func, select, text
from sqlalchemy.engine import make_url

from bench.stats import percentile
from tools.chromium import CHROMIUM, CHROMIUM_FLAGS

ROOT = Path(__file__).resolve().parent.parent
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
EXCEPTION = "[data-testid='stException']"
DESKTOP = {"width": 1440, "height": 900}
FLOOR = "bench/browser_floor.py"

# The reference steps of bench/browser_floor.py, and which of them each project step is set against.
REFERENCES = {
    "submit": "floor: a form that switches page",
    "reload": "floor: reload of the page with a table",
    "new_tab": "floor: a new tab on the page with a table",
    "link": "floor: a menu link to another page",
    "form": "floor: a form answered on its own page",
    "button": "floor: a button that switches page",
    "cold": "floor: the page with a table, first open after a restart",
    "cached": "floor: the page with a table, second open",
}
CONSUMER_STEPS = (  # (key, label, reference)
    ("login", "consumer login", "submit"),
    ("register", "registration submit", "submit"),
    ("new_tab", "a new tab while logged in", "new_tab"),
    ("reload", "reload of My account", "reload"),
    ("readings", "My account → Readings", "link"),
    ("reading_submit", "reading submit", "form"),
    ("pay_prepare", "pay: the payment prepared", "form"),
    ("pay_provider", "pay → the demo provider", "button"),
    ("pay_result", "demo provider → the result", "button"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--browser-runs", type=int, default=20, help="row g: runs of each browser step")
    parser.add_argument(
        "--browser-cold-runs",
        type=int,
        help="row g: first opens of each staff page, each after a server restart (default: --browser-runs)",
    )
    parser.add_argument(
        "--browser-ports",
        default=os.environ.get("BENCH_BROWSER_PORTS"),
        help="row g: the servers' ports, e.g. 8550-8599 (default: $BENCH_BROWSER_PORTS, else any free port)",
    )
    parser.add_argument("--browser-timeout", type=float, default=120, help="row g: the limit of one wait, seconds")
    parser.add_argument(
        "--browser-database-url",
        help="row g: a copy of the benchmark database the steps may write into (default: one made for the run)",
    )
    parser.add_argument(
        "--browser-keep-copy", action="store_true", help="row g: keep the PostgreSQL copy for the next run"
    )


def _t(key: str, **params: object) -> str:
    from core.i18n import t

    return t(key, "uk", **params)


def _lead(key: str) -> str:
    """A catalog text up to its first placeholder, without Markdown: what is on screen whatever the values."""
    return _t(key).split("{", 1)[0].replace("**", "").strip(" :№")


# ------------------------------------------------------------------------------------------- servers


class Ports:
    """The servers' ports: the next free one of a range (8550-8599), or any free port."""

    def __init__(self, spec: str | None) -> None:
        self.range: list[int] = []
        if spec:
            first, _, last = spec.partition("-")
            self.range = list(range(int(first), int(last or first) + 1))

    def take(self) -> int:
        for port in self.range:
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    continue
            self.range.remove(port)
            return port
        if self.range:
            raise RuntimeError("no free port left in --browser-ports")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]


def server_environment(database_url: str, now: dt.datetime, base_url: str) -> dict[str, str]:
    """Demo mode (the demo payment provider, plain http) over the given database, the clock pinned to the data's."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TEPLO_", "LIQPAY_")) and key not in ("DATABASE_URL", "PUBLIC_BASE_URL")
    }
    env.update(DATABASE_URL=database_url, TEPLO_NOW=now.isoformat(), TEPLO_DEMO="1", PUBLIC_BASE_URL=base_url)
    return env


class Server:
    """One app served by `manage.py serve`'s own `streamlit run` command; restartable on the same port."""

    def __init__(self, script: str, port: int, database_url: str, now: dt.datetime, logs: Path, timeout: float):
        from manage import production_command

        self.script, self.port, self.timeout = script, port, timeout
        self.url = f"http://127.0.0.1:{port}"
        self.command = production_command(script, "127.0.0.1", port)
        self.env = server_environment(database_url, now, self.url)
        self.log = logs / f"{Path(script).stem}-{port}.log"
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        with self.log.open("a") as out:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + self.timeout
        while not self._healthy():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.script} did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.1)  # polling the health route

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=5) as response:
                return response.status == 200
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


# ------------------------------------------------------------------------------------------- the database copy


def scratch_database(url: str, args, engine, log) -> tuple[str, Callable[[], None]]:
    """A copy of the benchmark database the steps may write into, and what removes it."""
    if args.browser_database_url:
        return args.browser_database_url, lambda: None
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        assert parsed.database
        source = Path(parsed.database)
        target = source.with_name(source.stem + "-browser" + source.suffix)
        log(f"copying {source.name} to {target.name} (the steps write) ...")
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        return parsed.set(database=str(target)).render_as_string(hide_password=False), lambda: target.unlink(
            missing_ok=True
        )
    name = f"{parsed.database}_browser"
    copy_url = parsed.set(database=name).render_as_string(hide_password=False)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")

    def drop() -> None:
        if not args.browser_keep_copy:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    with admin.connect() as c:
        if c.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            if not args.fresh:
                log(f"reusing the copy {name}")
                return copy_url, drop
            c.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        engine.dispose()  # a template must have no connection, ours included
        log(f"copying {parsed.database} to {name} (the steps write) ...")
        deadline = time.monotonic() + 300
        while True:
            try:
                c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{parsed.database}"'))
                break
            except Exception as error:  # another session reads the shared database: wait for it to leave
                if "being accessed by other users" not in str(error) or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"could not copy {parsed.database} (it must have no connection while copied): {error}; "
                        "or give a copy with --browser-database-url"
                    ) from error
                time.sleep(2)  # polling until the other sessions are gone
    return copy_url, drop


# ------------------------------------------------------------------------------------------- who does the steps


@dataclass(frozen=True)
class Consumer:
    login: str
    meter_id: int
    value: str  # a reading a little above the meter's last one, as a consumer types it


@dataclass(frozen=True)
class Newcomer:
    account: str
    amount: str  # the account's last payment, as a consumer types it
    login: str


def _comma(value: Decimal) -> str:
    return str(value).replace(".", ",")


def consumers(sessions, count: int, seed: int = 5) -> list[Consumer]:
    """Demo logins with one open account and one hot-water meter not read yet in the open window: each run's own."""
    from core.readings import meters_of_account
    from db.models import Account, ConsumerAccountLink, ConsumerLogin

    single = (
        select(ConsumerAccountLink.login_id).group_by(ConsumerAccountLink.login_id).having(func.count() == 1)
    ).subquery()
    with sessions() as session:
        rows = session.execute(
            select(ConsumerLogin.id, ConsumerLogin.login, Account.id)
            .join(ConsumerAccountLink, ConsumerAccountLink.login_id == ConsumerLogin.id)
            .join(Account, Account.id == ConsumerAccountLink.account_id)
            .where(
                ConsumerLogin.id.in_(select(single.c.login_id)),
                Account.closed_on.is_(None),
                Account.has_hot_water.is_(True),
            )
            .order_by(ConsumerLogin.id)
        ).all()
    random.Random(seed).shuffle(rows)
    found: list[Consumer] = []
    for login_id, login, account_id in rows:
        meters = meters_of_account(sessions, login_id, account_id)
        if len(meters) == 1 and meters[0].in_window_value is None and meters[0].last_value is not None:
            found.append(Consumer(login, meters[0].meter_id, _comma(meters[0].last_value + Decimal("1.000"))))
            if len(found) == count:
                break
    return found


def newcomers(sessions, count: int, stamp: str) -> list[Newcomer]:
    """Open accounts no login is linked to, with a payment to register by; each run registers one."""
    from core.consumers import last_payments
    from db.models import Account, ConsumerAccountLink, Payment

    with sessions() as session:
        rows = session.execute(
            select(Account.id, Account.number)
            .where(
                Account.closed_on.is_(None),
                Account.id.not_in(select(ConsumerAccountLink.account_id)),
                exists().where(Payment.account_id == Account.id),
            )
            .order_by(Account.id)
            .limit(count * 3)
        ).all()
        found: list[Newcomer] = []
        for account_id, number in rows:
            last = last_payments(session, account_id)
            amount = last.get("heating") or last.get("hot_water")
            if amount and amount > 0:
                found.append(Newcomer(number, _comma(amount), f"bench-{stamp}-{len(found)}@example.com"))
            if len(found) == count:
                break
    return found


# ------------------------------------------------------------------------------------------- timing


@dataclass
class Series:
    key: str
    label: str
    reference: str  # a key of REFERENCES, or "" for a reference series itself
    samples: list[float] = field(default_factory=list)
    load_start: float | None = None
    load_end: float | None = None
    errors: list[str] = field(default_factory=list)


class Recorder:
    def __init__(self) -> None:
        self.series: dict[str, Series] = {}

    def add(self, key: str, label: str, reference: str) -> Series:
        return self.series.setdefault(key, Series(key, label, reference))

    def failed(self, key: str, error: BaseException) -> None:
        lines = str(error).strip().splitlines() or [type(error).__name__]
        self.series[key].errors.append(f"{type(error).__name__}: {lines[0][:200]}")


class Timer:
    """Times one step: the action, then the target text visible, then the script settled."""

    def __init__(self, recorder: Recorder, timeout_ms: float) -> None:
        self.recorder, self.timeout_ms = recorder, timeout_ms
        self.current: str | None = None

    def __call__(self, key: str, action: Callable[[], Any], marker: Callable[[Any], Any]) -> Any:
        series = self.recorder.series[key]
        self.current = key
        load = os.getloadavg()[0]
        began = time.perf_counter()
        page = action()
        marker(page).wait_for(state="visible", timeout=self.timeout_ms)
        page.wait_for_selector(IDLE, timeout=self.timeout_ms)
        series.samples.append((time.perf_counter() - began) * 1000)
        if page.locator(EXCEPTION).count():  # timed, but the page is not what the user should see: noted
            series.errors.append("a traceback on the page: " + page.locator(EXCEPTION).first.inner_text()[:200])
        if series.load_start is None:
            series.load_start = load
        series.load_end = os.getloadavg()[0]
        self.current = None
        return page


def _settled(page, marker, timeout_ms: float) -> None:
    """Not timed: wait for a page the way a timed step does."""
    marker.wait_for(state="visible", timeout=timeout_ms)
    page.wait_for_selector(IDLE, timeout=timeout_ms)


def heading(page, name: str):
    return page.get_by_role("heading", name=name).first


def shown(page, words: str):
    return page.get_by_text(words, exact=False).first


def menu_link(page, name: str):
    """A link of the cabinet's header menu (its text follows the icon's name)."""
    return page.get_by_role("link", name=re.compile(rf"(^|\s){re.escape(name)}$")).first


# ------------------------------------------------------------------------------------------- the runs


@dataclass(frozen=True)
class SignIn:
    """A sign-in form and the page it leads to, for the three steps both apps' runs time the same way."""

    credentials: dict[str, str]  # the form's label -> what is typed in
    button: str
    landing: str  # the heading of the page the sign-in leads to
    landing_url: str

    def timed(self, timer: Timer, page, keys: tuple[str, str, str]) -> None:
        """The sign-in until its landing page, a reload of that page, and a new tab opened on its address."""
        submit, reload, new_tab = keys
        for label, value in self.credentials.items():
            page.get_by_label(label, exact=True).fill(value)
        button = page.get_by_role("button", name=self.button, exact=True)

        def landed(p):
            return heading(p, self.landing)

        timer(submit, lambda: button.click() or page, landed)
        timer(reload, lambda: page.reload() and page, landed)

        def open_tab():
            tab = page.context.new_page()
            tab.goto(self.landing_url)
            return tab

        timer(new_tab, open_tab, landed).close()


def consumer_run(browser, url: str, consumer: Consumer, timer: Timer, timeout_ms: float) -> None:
    from demo.generator import DEMO_CONSUMER_PASSWORD

    with _opened(browser, url + "/login", timeout_ms, _t("login.title")) as page:
        credentials = {_t("login.login"): consumer.login, _t("login.password"): DEMO_CONSUMER_PASSWORD}
        sign_in = SignIn(credentials, _t("login.submit"), _t("account.chart_title"), url + "/account")
        sign_in.timed(timer, page, ("login", "reload", "new_tab"))
        timer(
            "readings",
            lambda: menu_link(page, _t("nav.readings")).click() or page,
            lambda p: heading(p, _t("readings.title")),
        )
        page.get_by_label(_t("readings.input"), exact=True).fill(consumer.value)
        submit = page.get_by_role("button", name=_t("readings.submit"), exact=True)
        timer("reading_submit", lambda: submit.click() or page, lambda p: shown(p, _lead("readings.receipt")))

        menu_link(page, _t("nav.pay")).click()
        _settled(page, heading(page, _t("pay.title")), timeout_ms)
        page.get_by_label(_t("pay.amount"), exact=True).fill("100,00")
        prepare = page.get_by_role("button", name=_t("pay.submit"), exact=True)
        timer("pay_prepare", lambda: prepare.click() or page, lambda p: shown(p, _t("pay.ready")))
        demo = page.get_by_role("button", name=re.compile(re.escape(_t("pay.go_demo").rsplit("}", 1)[-1].strip())))
        timer("pay_provider", lambda: demo.click() or page, lambda p: heading(p, _t("demo.title")))
        pay = page.get_by_role("button", name=_t("demo.pay"), exact=True)
        timer("pay_result", lambda: pay.click() or page, lambda p: shown(p, _lead("result.paid")))


def register_run(browser, url: str, newcomer: Newcomer, timer: Timer, timeout_ms: float) -> None:
    from demo.generator import DEMO_CONSUMER_PASSWORD

    with _opened(browser, url + "/register", timeout_ms, _t("register.title")) as page:
        for label, value in (
            ("register.account", newcomer.account),
            ("register.amount", newcomer.amount),
            ("register.login", newcomer.login),
            ("register.password", DEMO_CONSUMER_PASSWORD),
            ("register.password2", DEMO_CONSUMER_PASSWORD),
        ):
            page.get_by_label(_t(label), exact=True).fill(value)
        button = page.get_by_role("button", name=_t("register.submit"), exact=True)
        timer("register", lambda: button.click() or page, lambda p: shown(p, _t("welcome.registered")))


def floor_run(browser, url: str, timer: Timer, timeout_ms: float) -> None:
    with _opened(browser, url + "/", timeout_ms, "Floor: sign in") as page:  # the default page answers at "/" alone
        table = "Floor: table"
        sign_in = SignIn({"Login": "visitor", "Password": "secret"}, "Sign in", table, url + "/table")
        sign_in.timed(timer, page, ("ref.submit", "ref.reload", "ref.new_tab"))
        timer(
            "ref.link",
            lambda: page.get_by_role("link", name="Form").click() or page,
            lambda p: heading(p, "Floor: form"),
        )
        page.get_by_label("Value", exact=True).fill("123,456")
        send = page.get_by_role("button", name="Send", exact=True)
        timer("ref.form", lambda: send.click() or page, lambda p: shown(p, "Floor: accepted"))
        page.get_by_role("link", name="Table").click()
        _settled(page, heading(page, table), timeout_ms)
        go = page.get_by_role("button", name="Continue", exact=True)
        timer("ref.button", lambda: go.click() or page, lambda p: shown(p, "Floor: done"))


def floor_cold_run(browser, server: Server, timer: Timer, timeout_ms: float) -> None:
    server.restart()
    with _opened(browser, server.url + "/form", timeout_ms, "Floor: form") as page:
        table = page.get_by_role("link", name="Table")
        timer("ref.cold", lambda: table.click() or page, lambda p: heading(p, "Floor: table"))
        page.get_by_role("link", name="Form").click()
        _settled(page, heading(page, "Floor: form"), timeout_ms)
        timer("ref.cached", lambda: table.click() or page, lambda p: heading(p, "Floor: table"))


@dataclass(frozen=True)
class StaffPage:
    key: str
    url_path: str
    title: str  # its name in the menu
    heading: str  # its own title on the page


def _chart_titled(words: str) -> Callable[[Any], Any]:
    """A chart whose title holds `words`, drawn: what a tab that holds a chart shows once it is ready."""
    return lambda page: page.locator("[data-testid='stPlotlyChart'] .gtitle").filter(has_text=words).first


# A page whose parts sit in tabs draws only the chosen one; its second tab's click is timed after the second open:
# the tab's text key, and what that tab shows once drawn.
STAFF_TABS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "readings": ("staff.readings.tab_inside", _chart_titled(_lead("staff.readings.chart_curve"))),
    "payments": (
        "staff.payments.tab_services",
        _chart_titled(_t("staff.payments.chart_services", by=_t("staff.payments.by_month"))),
    ),
    "additional_charges": (
        "staff.additional.tab_recalculations",
        lambda page: shown(page, _lead("staff.additional.recalculations_help")[:60]),
    ),
}


def staff_pages(only: set[str] | None) -> list[StaffPage]:
    from ui.staff_access import PAGES, url_path

    found: list[StaffPage] = []
    for page in PAGES:
        if (only and page.key not in only) or not (ROOT / page.path).exists():
            continue
        source = (ROOT / page.path).read_text(encoding="utf-8")
        title = re.search(r"st\.title\(tr\(\"([^\"]+)\"\)", source)
        found.append(
            StaffPage(page.key, url_path(page), _t(f"staff.page.{page.key}"), _t(title.group(1) if title else ""))
        )
    return found


def staff_run(browser, server: Server, target: StaffPage, landing: StaffPage, timer: Timer, timeout_ms: float):
    """Restart the dashboard, sign in on `landing`, then open `target` (cold), `landing` again, `target` (cached)."""
    from core.staff import DEMO_STAFF

    server.restart()
    with _opened(browser, f"{server.url}/{landing.url_path}", timeout_ms) as page:
        page.get_by_label(_t("staff.login.username"), exact=True).fill("admin")
        page.get_by_label(_t("staff.login.password"), exact=True).fill(DEMO_STAFF["admin"])
        page.get_by_role("button", name=_t("staff.login.submit"), exact=True).click()
        _settled(page, heading(page, landing.heading), timeout_ms)
        more = page.get_by_role("button", name=re.compile(r"View .*more|Show more", re.I))
        if more.count():
            more.first.click()

        def link(item: StaffPage):
            return page.locator("[data-testid='stSidebarNav'] a").filter(has=page.get_by_text(item.title, exact=True))

        timer(f"staff.{target.key}.cold", lambda: link(target).click() or page, lambda p: heading(p, target.heading))
        link(landing).click()
        _settled(page, heading(page, landing.heading), timeout_ms)
        timer(f"staff.{target.key}.cached", lambda: link(target).click() or page, lambda p: heading(p, target.heading))
        if target.key in STAFF_TABS:
            label, drawn = STAFF_TABS[target.key]
            tab = page.get_by_role("tab", name=_t(label), exact=True)
            timer(f"staff.{target.key}.tab", lambda: tab.click() or page, drawn)


@contextmanager
def _opened(browser, address: str, timeout_ms: float, title: str | None = None) -> Iterator[Any]:
    """A page at `address` in a browser context of its own (no cookies, the run's waits), settled on the heading
    `title` when one is given; the context is closed when the run ends."""
    context = browser.new_context(viewport=DESKTOP, locale="uk-UA")
    context.set_default_timeout(timeout_ms)
    context.set_default_navigation_timeout(timeout_ms)
    try:
        page = context.new_page()
        page.goto(address)
        if title is not None:
            _settled(page, heading(page, title), timeout_ms)
        yield page
    finally:
        context.close()


def _attempt(recorder: Recorder, timer: Timer, run: tuple[str, Callable[[], None]]) -> None:
    """One run of a sequence of steps: a step that fails is noted on its row and ends the run, not the benchmark
    (a failure before the first timed step is noted on the run's first step, `run[0]`)."""
    first, steps = run
    timer.current = None
    try:
        steps()
    except Exception as error:  # noqa: BLE001 - a timeout or a missing text is a result of the run
        recorder.failed(timer.current or first, error)
        timer.current = None


# ------------------------------------------------------------------------------------------- the row


def measure(database_url: str, now: dt.datetime, args, log, logs: Path) -> dict:
    from playwright.sync_api import sync_playwright

    from db.engine import make_engine, make_sessions

    runs = max(1, args.browser_runs)
    cold_runs = max(1, args.browser_cold_runs if args.browser_cold_runs is not None else runs)
    timeout = args.browser_timeout
    timeout_ms = timeout * 1000
    recorder = Recorder()
    for key, label, reference in CONSUMER_STEPS:
        recorder.add(key, label, reference)
    for key, label in REFERENCES.items():
        recorder.add(f"ref.{key}", label, "")
    pages = staff_pages(set(args.pages.split(",")) if args.pages else None)
    # Where the admin signs in before a page is opened: not the default page, whose own address (/overview)
    # answers "Page not found" after the sign-in; the users page, or for that page the windows page.
    landings = [p for key in ("users", "windows") for p in staff_pages({key})]
    for item in pages:
        recorder.add(f"staff.{item.key}.cold", f"staff {item.title}: first open after a restart", "cold")
        recorder.add(f"staff.{item.key}.cached", f"staff {item.title}: second open", "cached")
        if item.key in STAFF_TABS:
            recorder.add(f"staff.{item.key}.tab", f"staff {item.title}: its second tab", "cached")

    engine = make_engine(database_url)
    try:
        sessions = make_sessions(engine)
        people = consumers(sessions, runs + 1)  # the first of each warms the servers up, unmeasured
        joining = newcomers(sessions, runs + 1, dt.datetime.now().strftime("%Y%m%d%H%M%S"))
    finally:
        engine.dispose()
    if len(people) <= runs or len(joining) <= runs:
        log(f"  only {len(people)} consumers and {len(joining)} accounts to register for {runs} runs and a warm-up")

    ports = Ports(args.browser_ports)
    public = Server("public_app.py", ports.take(), database_url, now, logs, timeout)
    floor = Server(FLOOR, ports.take(), database_url, now, logs, timeout)
    staff = Server("staff_dashboard.py", ports.take(), database_url, now, logs, timeout)
    timer = Timer(recorder, timeout_ms)
    started = time.perf_counter()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, timeout=timeout_ms)
        version = browser.version
        try:
            public.start()
            floor.start()
            log(f"consumer steps and their reference, {runs} runs after a warm-up ...")
            warm_up = Timer(Recorder(), timeout_ms)
            for key, label, against in (*CONSUMER_STEPS, *((f"ref.{k}", v, "") for k, v in REFERENCES.items())):
                warm_up.recorder.add(key, label, against)
            warm_steps = [partial(floor_run, browser, floor.url, warm_up, timeout_ms)]
            warm_steps += (
                [partial(consumer_run, browser, public.url, people.pop(0), warm_up, timeout_ms)] if people else []
            )
            warm_steps += (
                [partial(register_run, browser, public.url, joining.pop(0), warm_up, timeout_ms)] if joining else []
            )
            for warm_step in warm_steps:
                _attempt(warm_up.recorder, warm_up, ("login", warm_step))
            for number in range(runs):
                project = []
                if number < len(people):
                    project.append(
                        ("login", partial(consumer_run, browser, public.url, people[number], timer, timeout_ms))
                    )
                if number < len(joining):
                    project.append(
                        ("register", partial(register_run, browser, public.url, joining[number], timer, timeout_ms))
                    )
                floor_steps = [("ref.submit", partial(floor_run, browser, floor.url, timer, timeout_ms))]
                for step in project + floor_steps if number % 2 == 0 else floor_steps + project:
                    _attempt(recorder, timer, step)
            public.stop()
            if pages:
                log(f"staff pages (a restart before each first open) and their reference, {cold_runs} runs ...")
            for number in range(cold_runs if pages else 0):
                sequence = [("ref.cold", partial(floor_cold_run, browser, floor, timer, timeout_ms))]
                for item in pages:
                    landing = landings[0] if landings[0].key != item.key else landings[1]
                    sequence.append(
                        (f"staff.{item.key}.cold", partial(staff_run, browser, staff, item, landing, timer, timeout_ms))
                    )
                if number % 2:
                    sequence.reverse()
                for step in sequence:
                    _attempt(recorder, timer, step)
        finally:
            for server in (public, floor, staff):
                server.stop()
            browser.close()
    return {
        "series": {key: asdict(series) for key, series in recorder.series.items()},
        "runs": runs,
        "cold_runs": cold_runs,
        "chromium": version,
        "seconds": round(time.perf_counter() - started, 1),
        "database": make_url(database_url).render_as_string(hide_password=True),
        "ports": [public.port, floor.port, staff.port],
    }


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def rows(result: dict) -> list[dict]:
    """Two rows per project step (p50, p95) with the reference's same percentile; in the Row fields of
    bench/run_benchmark.py."""
    found = []
    series = result["series"]
    for key, entry in series.items():
        if not entry["reference"]:
            continue
        ref = series[f"ref.{entry['reference']}"]
        row_key = "g." + key.removeprefix("staff.")
        load = (
            f"load {entry['load_start']:.2f} → {entry['load_end']:.2f}" if entry["load_start"] is not None else "no run"
        )
        notes = [f"{len(entry['samples'])} runs (reference {len(ref['samples'])}); {load}"]
        if entry["errors"]:
            notes.append(f"{len(entry['errors'])} failed: " + " | ".join(sorted(set(entry["errors"]))[:3]))
        for q in (50, 95):
            project, reference = percentile(entry["samples"], q), percentile(ref["samples"], q)
            found.append(
                dict(
                    key=f"{row_key}.p{q}",
                    label=f"g {entry['label']}, p{q}",
                    unit="ms",
                    project=project,
                    reference=reference,
                    reference_label=ref["label"],
                    ratio=None if project is None or not reference else project / reference,
                    target="",
                    meets=None,
                    note="; ".join(notes) if q == 95 else "",
                )
            )
    return found


def table(result: dict) -> str:
    """Each step's p50 / p95, its reference's, the ratios and the load average at the start and end of its runs."""
    series = result["series"]
    header = ("step", "p50", "p95", "ref p50", "ref p95", "×p50", "×p95", "runs", "load start→end", "reference")
    lines = []
    for entry in series.values():
        ref = series[f"ref.{entry['reference']}"] if entry["reference"] else None
        p50, p95 = percentile(entry["samples"], 50), percentile(entry["samples"], 95)
        r50 = percentile(ref["samples"], 50) if ref else None
        r95 = percentile(ref["samples"], 95) if ref else None
        load = f"{entry['load_start']:.2f} → {entry['load_end']:.2f}" if entry["load_start"] is not None else "—"
        lines.append(
            (
                entry["label"],
                _ms(p50),
                _ms(p95),
                _ms(r50),
                _ms(r95),
                f"{p50 / r50:.2f}" if p50 and r50 else "—",
                f"{p95 / r95:.2f}" if p95 and r95 else "—",
                f"{len(entry['samples'])}" + (f" ({len(entry['errors'])} failed)" if entry["errors"] else ""),
                load,
                ref["label"] if ref else "(reference)",
            )
        )
    widths = [max(len(str(x[i])) for x in [header, *lines]) for i in range(len(header))]
    out = ["  ".join(f"{h:<{w}}" for h, w in zip(header, widths))]
    out += ["  ".join(f"{v:<{w}}" for v, w in zip(line, widths)) for line in lines]
    return "\n".join(out)


def browser_rows(prepared, engine, args, log) -> tuple[list[dict], dict]:
    """Row g for bench/run_benchmark.py: (its rows as Row fields, the details for the JSON output)."""
    url, drop = scratch_database(prepared.url, args, engine, log)
    try:
        with tempfile.TemporaryDirectory(prefix="teplo-bench-browser-") as tmp:
            try:
                result = measure(url, prepared.now, args, log, Path(tmp))
            except Exception:
                for path in Path(tmp).glob("*.log"):
                    log(f"--- {path.name}\n{path.read_text()[-3000:]}")
                raise
    finally:
        drop()
    log("")
    log(table(result))
    return rows(result), result
