"""The unsubscribe link of a reminder e-mail over real HTTP: `streamlit run public_app.py` on a fresh SQLite
database, the e-mail sent by the job to a real SMTP server (aiosmtpd), its link opened and posted as a mail client
does (RFC 8058), forged and expired links refused with a page in Ukrainian."""

from __future__ import annotations

import datetime as dt
import itertools
import urllib.error
import urllib.request

import pytest
from sqlalchemy import select

from core import mail, reminders
from db.engine import make_engine, make_sessions
from db.migrate import upgrade
from db.models import AuditLog, ConsumerAccountLink, ConsumerLogin, ReminderConsent
from tests.conftest import World, kyiv
from tests.e2e.harness import TIMEOUT, running
from tests.mailbox import SmtpServer

NOW = "2026-11-27T12:00"  # the November window is open
SECRET = "unsubscribe-secret-for-the-http-test"
NUMBERS = itertools.count(1)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The public app over its own fresh database; yields (base url, sessions)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('unsubscribe') / 'app.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    try:
        with running("public_app.py", url, NOW, {"TEPLO_UNSUBSCRIBE_SECRET": SECRET}) as app:
            yield app.url, make_sessions(engine)
    finally:
        engine.dispose()


def subscriber(sessions, name: str, language: str = "uk") -> int:
    world = World(sessions)
    account = world.account(f"112020000{next(NUMBERS):04d}")
    world.meter(account, serial=f"S-{name}")
    with sessions.begin() as s:
        login = ConsumerLogin(login=name, password_hash="-", language=language, created_at=kyiv(2026, 1, 1))
        s.add(login)
        s.flush()
        s.add(ConsumerAccountLink(login_id=login.id, account_id=account, method="payment", linked_at=kyiv(2026, 1, 1)))
    reminders.set_reminders(sessions, login.id, True, now=kyiv(2026, 11, 1))
    return login.id


def request(url: str, method: str = "GET", body: bytes | None = None) -> tuple[int, str, object]:
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body is not None else {}
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, data=body, method=method, headers=headers), timeout=TIMEOUT
        ) as response:
            return response.status, response.read().decode(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), error.headers


def consented(sessions, login_id) -> bool:
    with sessions() as s:
        return s.get(ReminderConsent, login_id).withdrawn_at is None


def test_the_e_mail_link_asks_first_and_one_click_post_unsubscribes(server):
    base, sessions = server
    olena = subscriber(sessions, "olena@example.com")
    smtp = SmtpServer().start()
    try:
        window = World(sessions).window(dt.date(2026, 11, 1))
        assert window
        settings = mail.MailSettings.load({**smtp.environ(base), "TEPLO_UNSUBSCRIBE_SECRET": SECRET})
        assert reminders.send_reminders(sessions, settings, now=kyiv(2026, 11, 27, 12)).sent == 1
    finally:
        smtp.stop()
    [received] = smtp.mailbox.received
    link = received.message["List-Unsubscribe"].strip("<>")
    assert link.startswith(f"{base}/unsubscribe?token=")

    status, page, headers = request(link)  # a mail scanner or the consumer opening the link: nothing changes yet
    assert status == 200 and "Більше не надсилати нагадування" in page and 'method="post"' in page
    assert headers.get("Cache-Control") == "no-store"
    assert consented(sessions, olena)

    status, page, _headers = request(link, "POST", b"List-Unsubscribe=One-Click")  # RFC 8058 one click
    assert status == 200 and "Готово: нагадування більше не надходитимуть." in page
    assert not consented(sessions, olena)
    with sessions() as s:
        details = s.scalar(
            select(AuditLog.details).where(AuditLog.action == "reminders.disabled", AuditLog.entity_id == str(olena))
        )
    assert '"via": "unsubscribe_link"' in details
    assert request(link, "POST", b"")[0] == 200  # a second click: still a clear page


def test_an_english_consumer_reads_the_confirmation_in_english(server):
    base, sessions = server
    john = subscriber(sessions, "john@example.com", language="en")
    token = mail.unsubscribe_token(SECRET, john, kyiv(2026, 11, 27, 12))
    status, page, _headers = request(f"{base}/unsubscribe?token={token}")
    assert status == 200 and "Stop sending reminders" in page and "Unsubscribe</button>" in page


TOKENS = {
    "another secret": (
        lambda login: mail.unsubscribe_token("somebody-elses-secret-1234", login, kyiv(2026, 11, 27)),
        "Посилання для відписки недійсне",
    ),
    "a year old": (
        lambda login: mail.unsubscribe_token(SECRET, login, kyiv(2025, 11, 1)),
        "Термін дії посилання для відписки минув",
    ),
    "damaged": (
        lambda login: mail.unsubscribe_token(SECRET, login, kyiv(2026, 11, 27))[:-6] + "AAAAAA",
        "Посилання для відписки недійсне",
    ),
    "empty": (lambda login: "", "Посилання для відписки недійсне"),
    "garbage": (lambda login: "not-a-token", "Посилання для відписки недійсне"),
}


@pytest.mark.parametrize("case", sorted(TOKENS))
def test_a_forged_or_expired_link_gets_a_clear_page_and_changes_nothing(server, case):
    base, sessions = server
    petro = subscriber(sessions, f"petro-{case.replace(' ', '-')}@example.com")
    make, message = TOKENS[case]
    token = make(petro)
    for method, body in (("GET", None), ("POST", b"List-Unsubscribe=One-Click")):
        status, page, _headers = request(f"{base}/unsubscribe?token={token}", method, body)
        assert status == 400 and message in page
        assert "Traceback" not in page
    assert consented(sessions, petro)
