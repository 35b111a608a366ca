"""The deployment as shipped in deploy/, run on this machine: nginx (Debian's package) terminating TLS with a
certificate made for the test, two replicas of the consumer cabinet and one staff dashboard started from the
systemd units' ExecStart lines, over a PostgreSQL database of their own, in production mode.

A consumer logs in through nginx in a real browser; the replica serving them is killed; after a reload they are
still logged in, on the other replica. An operator uploads a bank registry through nginx, a LiqPay callback
through nginx credits a payment, the staff app answers only on its internal name and allow-list, and the session
cookie is Secure. Needs nginx, Chromium and TEST_DATABASE_URL; CI installs the first two and sets the third.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import urllib.parse
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from core import payments
from core.consumers import ProofAndPassword, register
from core.staff import create_staff_user
from db.engine import make_engine, make_sessions
from db.migrate import upgrade
from db.models import Account, ImportBatch, Payment, PaymentIntent
from tests.conftest import PG_URL, World, kyiv
from tests.e2e.harness import (
    COMMAND_TIMEOUT,
    DESKTOP,
    PHONE,
    TIMEOUT,
    ServerLog,
    click_button,
    close_browser,
    expect,
    expect_text,
    fill,
    free_port,
    launch_browser,
    log_in,
    require_browser,
    screenshot,
    stop_process,
    wait_idle,
    wait_until,
)
from tools import loopback
from tools.loopback import PUBLIC_NAME, STAFF_NAME

ROOT = Path(__file__).resolve().parents[2]
CONSUMER, CONSUMER_PASSWORD = "olena@example.com", "teplyi-dim-2026"
OPERATOR, OPERATOR_PASSWORD = "operator", "operator-fraza-2026"
LIQPAY_PUBLIC, LIQPAY_PRIVATE = "sandbox_i000000042", "sandbox_private_key_deploy_test"
ACCOUNT = "1120200001000"


def _require_tools() -> None:
    missing = [tool for tool in ("nginx", "openssl") if shutil.which(tool) is None]
    if missing:
        if os.environ.get("TEPLO_REQUIRE_BROWSER"):
            pytest.fail(f"the deployment test needs {', '.join(missing)} (apt-get install nginx-light openssl)")
        pytest.skip(f"{', '.join(missing)} not installed")
    if not PG_URL:
        if os.environ.get("TEPLO_REQUIRE_PG"):
            pytest.fail("TEPLO_REQUIRE_PG is set but TEST_DATABASE_URL is not")
        pytest.skip("the deployment test needs TEST_DATABASE_URL (PostgreSQL)")
    require_browser()


def _database(directory: Path):
    """A database of the deployment's own, on the test server: created here, dropped at the end."""
    assert PG_URL, "skipped above without it"
    base = make_url(PG_URL)
    name = f"{base.database}_deploy"[:60]
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    return url, admin, name


def _seed(url: str) -> None:
    """What a real installation holds after its register import: an account with a bill and a payment, its
    consumer's login, an operator. No demo data."""
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_sessions(engine)
    world = World(sessions)
    account = world.account(ACCOUNT)
    world.charge(account, "heating", dt.date(2026, 10, 1), "2222.22", discount="16")
    world.payment(account, "heating", "1866.66", kyiv(2026, 11, 2))
    register(
        sessions,
        ProofAndPassword(
            account_number=ACCOUNT,
            last_payment="1866,66",
            login=CONSUMER,
            password=CONSUMER_PASSWORD,
            password_repeated=CONSUMER_PASSWORD,
        ),
    )
    create_staff_user(sessions, OPERATOR, OPERATOR_PASSWORD, "operator")
    engine.dispose()


class Replica:
    def __init__(self, unit: Path, port: int, logs: Path) -> None:
        self.port, self.log = port, logs / f"{unit.stem}-{port}.log"
        self.process = loopback.start_unit(unit, port, self.log)
        self.server_log = ServerLog(self.log, self.log.stem)

    def _healthy(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"replica {self.port} exited: {self.log.read_text()[-3000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=min(TIMEOUT, 10))
            connection.request("GET", "/_stcore/health")
            return connection.getresponse().status == 200
        except OSError:
            return False

    def wait_healthy(self) -> None:
        try:
            wait_until(self._healthy, f"replica {self.port} healthy")
        except TimeoutError as error:
            raise RuntimeError(f"{error}: {self.log.read_text()[-3000:]}") from None

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=TIMEOUT)
        self.server_log.ended()


class Deployment:
    def __init__(self, directory: Path, database_url: str) -> None:
        self.dir = directory
        self.https, self.http = free_port(), free_port()
        self.public_ports, self.staff_port = [free_port(), free_port()], free_port()
        self.database_url = database_url
        logs = directory / "logs"
        logs.mkdir()
        self.access_log = logs / "teplo-access.log"
        self.public_url = f"https://{PUBLIC_NAME}:{self.https}"
        self.staff_url = f"https://{STAFF_NAME}:{self.https}"
        env_file = directory / "teplo.env"
        (directory / "home").mkdir()
        self.settings = loopback.env_file(
            env_file,
            {
                "DATABASE_URL": database_url,
                "PUBLIC_BASE_URL": self.public_url,
                "LIQPAY_PUBLIC_KEY": LIQPAY_PUBLIC,
                "LIQPAY_PRIVATE_KEY": LIQPAY_PRIVATE,
                "LIQPAY_SANDBOX": "1",
                "TEPLO_TRUSTED_PROXIES": "127.0.0.1",
                "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32),
                "HOME": str(directory / "home"),
                "TEPLO_BACKUP_DIR": str(directory / "backups"),
            },
        )
        ports = loopback.Ports(self.https, self.http, self.public_ports, [self.staff_port])
        rendered = loopback.render_units(directory, env_file, ports, logs, COMMAND_TIMEOUT)
        self.replicas = [
            Replica(rendered / "systemd" / "teplo-public@.service", port, logs) for port in self.public_ports
        ]
        self.replicas.append(Replica(rendered / "systemd" / "teplo-staff@.service", self.staff_port, logs))
        self.nginx_conf = loopback.nginx_conf(directory, rendered / "nginx" / "teplo.conf", logs)
        checked = subprocess.run(
            ["nginx", "-t", "-c", str(self.nginx_conf)], capture_output=True, text=True, timeout=COMMAND_TIMEOUT
        )
        assert checked.returncode == 0, checked.stderr
        self.nginx = loopback.start_nginx(self.nginx_conf, logs)
        self.nginx_logs = [ServerLog(logs / "error.log", "nginx-error"), ServerLog(self.access_log, "nginx-access")]
        for replica in self.replicas:
            replica.wait_healthy()

    def request(
        self,
        method: str,
        path: str,
        host: str,
        *,
        body: bytes | None = None,
        headers: dict | None = None,
        source: str = "127.0.0.1",
    ) -> tuple[int, dict, bytes]:
        """One HTTPS request to nginx for `host`, from the given local address (127.0.0.2 is "another network")."""
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        connection = http.client.HTTPSConnection(
            "127.0.0.1", self.https, context=context, timeout=TIMEOUT, source_address=(source, 0)
        )
        connection.request(method, path, body=body, headers={"Host": f"{host}:{self.https}", **(headers or {})})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()

    def upstreams(self, host: str) -> list[str]:
        """For each request nginx logged for `host`, the replica that answered it (the last one tried)."""
        found = []
        for line in self.access_log.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            if entry["host"] == host and entry["upstream"]:
                found.append(entry["upstream"].split(",")[-1].strip())
        return found

    def stop(self) -> None:
        stop_process(self.nginx)
        for log in self.nginx_logs:
            log.ended()
        for replica in self.replicas:
            if replica.process.poll() is None:
                os.killpg(replica.process.pid, signal.SIGTERM)
        for replica in self.replicas:
            try:
                replica.process.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                pass
            replica.kill()


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    _require_tools()
    directory = tmp_path_factory.mktemp("deployment")
    directory.chmod(0o755)
    url, admin, name = _database(directory)
    deployed = None
    try:
        _seed(url)
        deployed = Deployment(directory, url)
        yield deployed
    finally:
        if deployed is not None:
            deployed.stop()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def browser(deployment):
    from playwright.sync_api import sync_playwright

    rules = f"MAP {PUBLIC_NAME} 127.0.0.1, MAP {STAFF_NAME} 127.0.0.1"
    with sync_playwright() as playwright:
        instance = launch_browser(playwright, "--ignore-certificate-errors", f"--host-resolver-rules={rules}")
        yield instance
        close_browser(instance)


@pytest.fixture(scope="module")
def sessions(deployment):
    engine = make_engine(deployment.database_url)
    yield make_sessions(engine)
    engine.dispose()


def test_the_deployed_settings_pass_manage_py_check(deployment):
    """The settings the replicas run with: nothing unsafe (LiqPay's sandbox and the missing admin are warnings)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEPLO_", "LIQPAY_", "STREAMLIT_"))}
    checked = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env | deployment.settings,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "UNSAFE" not in checked.stdout and "WARNING: LIQPAY_SANDBOX" in checked.stdout


def test_consumer_stays_logged_in_when_their_replica_dies(deployment, browser):
    context = browser.new_context(viewport=PHONE, locale="uk-UA")
    page = context.new_page()
    log_in(page, deployment.public_url, CONSUMER, CONSUMER_PASSWORD)
    cookie = next(c for c in context.cookies() if c["name"] == "teplo_session")
    assert cookie["secure"] and cookie["httpOnly"], cookie
    route = next(c for c in context.cookies() if c["name"] == "teplo_route")
    assert route["secure"]

    served = deployment.upstreams(f"{PUBLIC_NAME}")
    assert served, "nginx logged no request for the cabinet"
    first = served[-1]
    assert set(served) == {first}, f"one browser, one replica (session affinity): {served}"
    dying = next(r for r in deployment.replicas if f":{r.port}" in first)
    survivor = next(r for r in deployment.replicas[:2] if r is not dying)
    dying.kill()

    page.reload()
    wait_idle(page)
    expect_text(page, f"Особовий рахунок {ACCOUNT}")
    assert "Вхід до кабінету" not in page.locator("[data-testid='stMain']").inner_text()
    assert deployment.upstreams(PUBLIC_NAME)[-1] == f"127.0.0.1:{survivor.port}"
    screenshot(page, "deploy-after-failover")
    context.close()


def test_operator_uploads_a_bank_registry_through_nginx(deployment, browser, sessions, tmp_path):
    yesterday = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).strftime("%Y-%m-%d 10:15")
    registry = tmp_path / "registry.csv"
    registry.write_text(
        f"account_number;service;amount;paid_at;payment_ref\n{ACCOUNT};heating;355,56;{yesterday};DEPLOY-0001\n",
        encoding="utf-8",
    )
    context = browser.new_context(viewport=DESKTOP, locale="uk-UA")
    page = context.new_page()
    page.goto(deployment.staff_url + "/")
    expect_text(page, "Внутрішній застосунок")
    fill(page, "Ім'я користувача", OPERATOR)
    fill(page, "Пароль", OPERATOR_PASSWORD)
    with page.expect_response(lambda response: "/session/start" in response.url):
        click_button(page, "Увійти")  # the browser then fetches the session cookie and reloads the dashboard
    expect(page.locator("[data-testid='stSidebarNav']")).to_be_visible()
    wait_idle(page)
    page.locator("[data-testid='stSidebarNav'] a").filter(has=page.get_by_text("Імпорт файлів", exact=True)).click()
    expect(page.get_by_role("heading", name="Імпорт файлів").first).to_be_visible()
    wait_idle(page)
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(
        {"name": registry.name, "mimeType": "text/csv", "buffer": registry.read_bytes()}
    )
    expect_text(page, "Попередній перегляд")
    click_button(page, "Імпортувати")
    expect_text(page, "Імпортовано: додано 1")
    with sessions() as session:
        assert session.scalar(select(Payment.amount).where(Payment.external_ref == "DEPLOY-0001")) == Decimal("355.56")
        assert session.scalar(select(ImportBatch.filename).where(ImportBatch.kind == "bank")) == registry.name
    assert set(deployment.upstreams(STAFF_NAME)) == {f"127.0.0.1:{deployment.staff_port}"}
    context.close()


def _signed(params: dict) -> dict[str, str]:
    data = base64.b64encode(
        json.dumps({"public_key": LIQPAY_PUBLIC, "version": 3, "action": "pay", "currency": "UAH", **params}).encode()
    ).decode()
    digest = hashlib.sha1((LIQPAY_PRIVATE + data + LIQPAY_PRIVATE).encode()).digest()
    return {"data": data, "signature": base64.b64encode(digest).decode()}


def test_a_liqpay_callback_through_nginx_credits_the_payment(deployment, sessions):
    with sessions() as session:
        account_id = session.scalar(select(Account.id).where(Account.number == ACCOUNT))
    from db.models import ConsumerLogin

    with sessions() as session:
        login_id = session.scalar(select(ConsumerLogin.id).where(ConsumerLogin.login == CONSUMER))
    order = payments.create_intent(sessions, login_id, account_id, "heating", "120,50", provider="liqpay").order_id
    form = urllib.parse.urlencode(
        _signed({"status": "sandbox", "order_id": order, "amount": 120.5, "payment_id": 3000000001})
    ).encode()
    status, headers, body = deployment.request(
        "POST",
        "/payments/liqpay/callback",
        PUBLIC_NAME,
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert (status, json.loads(body)) == (200, {"result": "paid", "status": "paid"})
    assert re.fullmatch(r"[0-9a-f]{32}", headers.get("x-request-id", "")), headers  # nginx's id, echoed
    with sessions() as session:
        assert session.scalar(select(PaymentIntent.status).where(PaymentIntent.order_id == order)) == "paid"
        assert session.scalar(select(Payment.amount).where(Payment.external_ref == order)) == Decimal("120.50")

    # The app's log line carries the request id (the replica that answered writes it a moment after answering).
    def logs_with_the_id() -> str:
        logs = "".join(r.log.read_text() for r in deployment.replicas)
        return logs if headers["x-request-id"] in logs else ""

    replica_logs = wait_until(logs_with_the_id, "the request id in a replica's log")
    assert LIQPAY_PRIVATE not in replica_logs and CONSUMER_PASSWORD not in replica_logs


def test_staff_app_only_on_its_internal_name_and_allow_list(deployment):
    status, _headers, _body = deployment.request("GET", "/_stcore/health", STAFF_NAME)
    assert status == 200
    status, _headers, _body = deployment.request("GET", "/_stcore/health", STAFF_NAME, source="127.0.0.2")
    assert status == 403  # from outside the allow-list
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected, ssl.SSLError, OSError)):
        deployment.request("GET", "/", "unknown.example")  # any other name: the connection is closed
    redirect = http.client.HTTPConnection("127.0.0.1", deployment.http, timeout=TIMEOUT)
    redirect.request("GET", "/pay", headers={"Host": PUBLIC_NAME})
    response = redirect.getresponse()
    assert response.status == 301 and response.getheader("Location").startswith(f"https://{PUBLIC_NAME}")

    # A staff page's address on the public name reaches a public replica, which answers with its own not-found page.
    status, _headers, body = deployment.request("GET", "/users", PUBLIC_NAME)
    text = body.decode("utf-8")
    assert status == 404 and "Сторінку не знайдено" in text
    assert "Панель працівника" not in text and "Внутрішній застосунок" not in text
    assert set(deployment.upstreams(PUBLIC_NAME)) <= {f"127.0.0.1:{p}" for p in deployment.public_ports}
