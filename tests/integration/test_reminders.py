"""E-mail reminders end to end on SQLite and PostgreSQL: the job reads the database, a real SMTP server (aiosmtpd on
a free local port) receives the e-mails, and the tests read what a consumer would read."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select

from core import formatting, mail, reminders
from core.errors import DomainError
from db.models import AuditLog, ConsumerAccountLink, ConsumerLogin, ReminderConsent, ReminderDelivery
from tests.conftest import kyiv
from tests.mailbox import SmtpServer, free_port

OPENED = kyiv(2026, 11, 26, 9)  # the November window is open (25 Nov - 3 Dec)
CLOSING = kyiv(2026, 12, 2, 9)  # its last two days
# No history and no hot-water charge: the norm, 2 residents × 1,6 m³ = 3,200 m³ × 98,52 ₴ = 315,26 ₴.
ESTIMATE = Decimal("315.26")


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def settings(smtp):
    return mail.MailSettings.load(smtp.environ())


CONSENT = kyiv(2026, 11, 1)


def login(world, name: str, *accounts: int, language: str = "uk", consent_at=CONSENT) -> int:
    """A cabinet login linked to the accounts (no password work), opted in at `consent_at` unless None."""
    with world.sessions.begin() as s:
        row = ConsumerLogin(login=name, password_hash="-", language=language, created_at=kyiv(2026, 1, 1))
        s.add(row)
        s.flush()
        for account in accounts:
            s.add(
                ConsumerAccountLink(login_id=row.id, account_id=account, method="payment", linked_at=kyiv(2026, 1, 1))
            )
        login_id = row.id
    if consent_at is not None:
        reminders.set_reminders(world.sessions, login_id, True, now=consent_at)
    return login_id


@pytest.fixture
def town(world):
    """The seed's account with a hot-water meter and no reading yet; last month's charges; three windows."""
    account = world.account()
    meter = world.meter(account)
    world.charge(account, "heating", dt.date(2026, 10, 1), "2222.22", discount="16")
    for period in (dt.date(2026, 10, 1), dt.date(2026, 11, 1), dt.date(2026, 12, 1)):
        world.window(period)
    return world, account, meter


def deliveries(sessions):
    with sessions() as s:
        return s.execute(
            select(
                ReminderDelivery.login_id,
                ReminderDelivery.kind,
                ReminderDelivery.period,
                ReminderDelivery.status,
                ReminderDelivery.attempts,
            ).order_by(ReminderDelivery.id)
        ).all()


def test_the_window_opening_reminder_carries_the_window_the_estimate_and_a_working_unsubscribe(
    town, sessions, smtp, settings
):
    world, account, _meter = town
    olena = login(world, "olena@example.com", account)

    summary = reminders.send_reminders(sessions, settings, now=OPENED)

    assert (summary.due, summary.sent, summary.failed) == (1, 1, 0)
    [received] = smtp.mailbox.received
    message, body = received.message, received.body
    assert received.recipients == ["olena@example.com"] and message["To"] == "olena@example.com"
    assert "noreply@cabinet.example.ua" in message["From"]
    assert message["Subject"] == "Час подати показання лічильника за листопад 2026 (до 03.12.2026)"
    assert "з 25.11.2026 до 03.12.2026 включно (за київським часом)" in body
    assert "особовий рахунок 1120200001000, вул. Гулака-Артемовського, 20, кв. 1, лічильник № 0812345" in body
    assert f"буде донараховано {formatting.volume(Decimal('3.2'))} на суму {formatting.money(ESTIMATE)}" in body
    assert "315,26\u00a0₴" in body
    assert "Подати показання: https://cabinet.example.ua/readings" in body
    # RFC 8058 one-click unsubscribe: the same signed link in the header and the text.
    link = message["List-Unsubscribe"].strip("<>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link.startswith("https://cabinet.example.ua/unsubscribe?token=") and link in body
    # on the wire: the headers as a mail client reads them (plain ASCII, not RFC 2047 words), CRLF line ends
    assert f"\r\nList-Unsubscribe: <{link}>\r\n".encode() in received.raw
    assert b"\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in received.raw
    assert b"\n" not in received.raw.replace(b"\r\n", b"")
    assert deliveries(sessions) == [(olena, "window_open", dt.date(2026, 11, 1), "sent", 1)]

    token = parse_qs(urlparse(link).query)["token"][0]
    assert reminders.unsubscribe(sessions, token, settings, now=OPENED) == (True, "uk")
    with sessions() as s:
        assert s.get(ReminderConsent, olena).withdrawn_at == OPENED
        assert s.scalars(
            select(AuditLog.action).where(AuditLog.entity_id == str(olena)).order_by(AuditLog.id)
        ).all() == ["reminders.enabled", "reminders.disabled"]
    assert reminders.send_reminders(sessions, settings, now=CLOSING).due == 0  # unsubscribed: nothing more


def test_a_second_run_sends_nothing_again_and_the_last_days_bring_one_closing_reminder(town, sessions, smtp, settings):
    world, account, _meter = town
    olena = login(world, "olena@example.com", account)
    reminders.send_reminders(sessions, settings, now=OPENED)
    again = reminders.send_reminders(sessions, settings, now=OPENED + dt.timedelta(hours=3))
    assert (again.due, again.sent) == (0, 0)
    assert len(smtp.mailbox.received) == 1

    closing = reminders.send_reminders(sessions, settings, now=CLOSING)
    assert closing.sent == 1
    reminders.send_reminders(sessions, settings, now=CLOSING + dt.timedelta(hours=5))
    [_opened, last] = smtp.mailbox.received
    assert last.message["Subject"] == "Подача показань за листопад 2026 закінчується 03.12.2026"
    assert "закінчується 03.12.2026 о 24:00 за київським часом, а ваших показань ще немає" in last.body
    assert formatting.money(ESTIMATE) in last.body
    assert [(k, s) for _l, k, _p, s, _a in deliveries(sessions)] == [
        ("window_open", "sent"),
        ("window_closing", "sent"),
    ]
    assert deliveries(sessions)[1][0] == olena


def test_no_window_reminder_once_the_reading_is_in_and_none_before_the_window_opens(town, sessions, smtp, settings):
    world, account, meter = town
    login(world, "olena@example.com", account)
    assert reminders.send_reminders(sessions, settings, now=kyiv(2026, 11, 24, 12)).due == 0
    with sessions() as s:
        november = s.scalar(select(ReminderDelivery.id))  # nothing claimed before the window
    assert november is None
    from db.models import ReadingWindow

    with sessions() as s:
        window_id = s.scalar(select(ReadingWindow.id).where(ReadingWindow.period == dt.date(2026, 11, 1)))
    world.reading(meter, window_id, "104.000", kyiv(2026, 11, 28, 10))
    assert reminders.send_reminders(sessions, settings, now=CLOSING).due == 0
    assert smtp.mailbox.received == []


def test_a_late_consent_in_the_last_days_gets_only_the_closing_reminder(town, sessions, smtp, settings):
    world, account, _meter = town
    login(world, "olena@example.com", account, consent_at=CLOSING - dt.timedelta(hours=1))
    reminders.send_reminders(sessions, settings, now=CLOSING)
    assert [r.message["Subject"] for r in smtp.mailbox.received] == [
        "Подача показань за листопад 2026 закінчується 03.12.2026"
    ]


def test_a_new_charge_is_announced_once_with_its_amounts_and_an_old_one_never(town, sessions, smtp, settings):
    world, account, _meter = town
    world.charge(account, "hot_water", dt.date(2026, 10, 1), "300.00")
    olena = login(world, "olena@example.com", account, consent_at=kyiv(2026, 11, 10))
    before = kyiv(2026, 11, 20, 10)  # no window open: only the charges count
    assert reminders.send_reminders(sessions, settings, now=before).due == 0  # October's was there at consent

    world.charge(account, "heating", dt.date(2026, 11, 1), "2222.22", discount="16")
    world.charge(account, "hot_water", dt.date(2026, 11, 1), "412.37")
    first = reminders.send_reminders(sessions, settings, now=kyiv(2026, 12, 5, 10))
    second = reminders.send_reminders(sessions, settings, now=kyiv(2026, 12, 6, 10))
    assert (first.sent, second.due) == (1, 0)
    [received] = smtp.mailbox.received
    assert received.message["Subject"] == "Нове нарахування за листопад 2026"
    body = received.body
    assert "Особовий рахунок 1120200001000, вул. Гулака-Артемовського, 20, кв. 1:" in body
    assert (
        f"• Опалення: нараховано {formatting.money(Decimal('2222.22'))}, знижка {formatting.percent(Decimal(16))}, "
        f"до сплати {formatting.money(Decimal('1866.66'))}"
    ) in body
    assert f"• Гаряча вода: до сплати {formatting.money(Decimal('412.37'))}" in body
    # Nothing paid: two months of heating (1866,66 each) and of hot water (300,00 + 412,37) are owed today.
    assert f"Опалення: борг на сьогодні {formatting.money(Decimal('3733.32'))}" in body
    assert f"Гаряча вода: борг на сьогодні {formatting.money(Decimal('712.37'))}" in body
    assert "Сплатити без комісії: https://cabinet.example.ua/pay" in body
    assert deliveries(sessions) == [(olena, "charge", dt.date(2026, 11, 1), "sent", 1)]


def test_english_consumers_get_english_e_mails(town, sessions, smtp, settings):
    world, account, _meter = town
    login(world, "john@example.com", account, language="en")
    reminders.send_reminders(sessions, settings, now=CLOSING)
    [received] = smtp.mailbox.received
    assert received.message["Subject"] == "Meter readings for November 2026 close on 03.12.2026"
    assert (
        "If no reading arrives by 03.12.2026 inclusive, 3.200\u00a0m³ will be charged, 315.26\u00a0₴" in received.body
    )
    assert "Unsubscribe from reminders in one click: https://cabinet.example.ua/unsubscribe?token=" in received.body


def test_only_opted_in_e_mail_logins_get_reminders_and_a_phone_login_cannot_opt_in(town, sessions, smtp, settings):
    world, account, _meter = town
    login(world, "quiet@example.com", account, consent_at=None)
    phone = login(world, "+380671234567", account, consent_at=None)
    with pytest.raises(DomainError) as refused:
        reminders.set_reminders(sessions, phone, True, now=OPENED)
    assert "лише на e-mail" in refused.value.message("uk")
    assert reminders.send_reminders(sessions, settings, now=OPENED).due == 0
    assert smtp.mailbox.received == []


def test_a_refused_message_is_retried_by_the_next_run_and_never_sent_twice(town, sessions, smtp, settings):
    world, account, _meter = town
    olena = login(world, "olena@example.com", account)
    smtp.mailbox.refuse_next = 1
    first = reminders.send_reminders(sessions, settings, now=OPENED)
    assert (first.sent, first.failed) == (0, 1) and smtp.mailbox.received == []
    assert deliveries(sessions) == [(olena, "window_open", dt.date(2026, 11, 1), "failed", 1)]
    second = reminders.send_reminders(sessions, settings, now=OPENED + dt.timedelta(hours=1))
    third = reminders.send_reminders(sessions, settings, now=OPENED + dt.timedelta(hours=2))
    assert (second.sent, third.due) == (1, 0)
    assert len(smtp.mailbox.received) == 1
    assert deliveries(sessions) == [(olena, "window_open", dt.date(2026, 11, 1), "sent", 2)]


def test_an_unreachable_server_fails_the_run_and_the_reminder_waits_for_the_next(town, sessions, smtp, settings):
    world, account, _meter = town
    login(world, "olena@example.com", account)
    nobody = mail.MailSettings.load({**smtp.environ(), "TEPLO_SMTP_PORT": str(free_port())})  # nothing listens
    down = reminders.send_reminders(sessions, nobody, now=OPENED)
    assert (down.failed, down.sent) == (1, 0)
    assert reminders.send_reminders(sessions, settings, now=OPENED).sent == 1
    assert len(smtp.mailbox.received) == 1


def test_a_message_cut_off_in_transmission_is_never_sent_again(town, sessions, smtp, settings):
    world, account, _meter = town
    olena = login(world, "olena@example.com", account)
    smtp.mailbox.drop_next = 1
    cut = reminders.send_reminders(sessions, settings, now=OPENED)
    assert (cut.sent, cut.uncertain) == (0, 1)
    assert reminders.send_reminders(sessions, settings, now=OPENED + dt.timedelta(hours=1)).due == 0
    assert len(smtp.mailbox.received) == 1  # the server had it: the consumer got exactly one
    assert deliveries(sessions) == [(olena, "window_open", dt.date(2026, 11, 1), "uncertain", 1)]


def test_several_consumers_each_get_their_own_accounts(town, sessions, smtp, settings):
    world, account, _meter = town
    other = world.account("1120200002000", address="просп. Волі, 3, кв. 9")
    world.meter(other, "0999999")
    login(world, "olena@example.com", account)
    login(world, "petro@example.com", other)
    reminders.send_reminders(sessions, settings, now=OPENED)
    [olena] = smtp.mailbox.to("olena@example.com")
    [petro] = smtp.mailbox.to("petro@example.com")
    assert "0812345" in olena.body and "0999999" not in olena.body
    assert "0999999" in petro.body and "1120200001000" not in petro.body


def test_without_settings_nothing_is_sent_and_the_reason_is_given(town, sessions, smtp):
    world, account, _meter = town
    login(world, "olena@example.com", account)
    with pytest.raises(DomainError) as refused:
        reminders.send_reminders(sessions, mail.MailSettings.load({}), now=OPENED)
    assert "TEPLO_SMTP_HOST" in str(refused.value)
    assert deliveries(sessions) == [] and smtp.mailbox.received == []


def test_consent_is_recorded_with_its_time_and_withdrawn_on_profile(town, sessions):
    world, account, _meter = town
    olena = login(world, "olena@example.com", account, consent_at=None)
    assert reminders.reminder_state(sessions, olena).consented_at is None
    assert reminders.set_reminders(sessions, olena, True, now=OPENED) is True
    assert reminders.set_reminders(sessions, olena, True, now=CLOSING) is False  # already on: the first time stands
    assert reminders.reminder_state(sessions, olena).consented_at == OPENED
    assert reminders.set_reminders(sessions, olena, False, now=CLOSING) is True
    assert reminders.reminder_state(sessions, olena).consented_at is None
    with sessions() as s:
        consent = s.get(ReminderConsent, olena)
        assert (consent.consented_at, consent.withdrawn_at, consent.charges_seen_through) == (
            OPENED,
            CLOSING,
            dt.date(2026, 10, 1),
        )


def test_a_forged_or_expired_unsubscribe_token_is_refused(town, sessions, settings):
    world, account, _meter = town
    olena = login(world, "olena@example.com", account)
    good = mail.unsubscribe_token(settings.secret, olena, OPENED)
    forged = mail.unsubscribe_token("another-secret-of-16-chars", olena, OPENED)
    with pytest.raises(mail.BadToken) as bad:
        reminders.unsubscribe(sessions, forged, settings, now=OPENED)
    assert bad.value.reason == "invalid"
    with pytest.raises(mail.BadToken) as old:
        reminders.unsubscribe(sessions, good, settings, now=OPENED + dt.timedelta(days=366))
    assert old.value.reason == "expired"
    assert reminders.reminder_state(sessions, olena).consented_at is not None  # still subscribed
