"""Who is due which reminder (core.reminder_rules) and the signed unsubscribe token (core.mail), over any
windows, clocks, consents and histories hypothesis can think of."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import mail
from core.clock import KYIV, add_months, kyiv_midnight
from core.reminder_rules import CHARGE, WINDOW_CLOSING, WINDOW_OPEN, Due, Subscriber, Window, closing_notice_from, due
from core.windows import default_bounds

PERIODS = st.dates(dt.date(2024, 1, 1), dt.date(2027, 12, 1)).map(lambda d: d.replace(day=1))


@st.composite
def windows(draw):
    """Default windows for some months, or ones staff moved (any length from an hour to five weeks)."""
    periods = sorted(set(draw(st.lists(PERIODS, min_size=0, max_size=4))))
    found = []
    for index, period in enumerate(periods):
        opens, closes = default_bounds(period)
        if draw(st.booleans()):
            opens = opens + dt.timedelta(hours=draw(st.integers(-72, 72)))
            closes = opens + dt.timedelta(hours=draw(st.integers(1, 24 * 35)))
        found.append(Window(index + 1, period, opens, closes))
    return found


MOMENTS = st.datetimes(dt.datetime(2023, 12, 1), dt.datetime(2028, 2, 1)).map(lambda d: d.replace(tzinfo=KYIV))
LOGINS = st.sampled_from(["olena@example.com", "+380671234567", "petro@example.ua"])


@st.composite
def cases(draw):
    ws = draw(windows())
    subscriber = Subscriber(1, draw(LOGINS), draw(st.booleans()), draw(st.none() | PERIODS))
    missing = {w.id for w in ws if draw(st.booleans())}
    newest = draw(st.none() | PERIODS)
    done = set(draw(st.lists(st.tuples(st.sampled_from([WINDOW_OPEN, WINDOW_CLOSING, CHARGE]), PERIODS), max_size=4)))
    return subscriber, draw(MOMENTS), ws, missing, newest, done


@given(cases())
def test_nothing_for_a_login_without_consent_or_without_an_e_mail(case):
    subscriber, now, ws, missing, newest, done = case
    found = due(subscriber, now, ws, missing, newest, done)
    if not subscriber.consented or "@" not in subscriber.login:
        assert found == []


@given(cases())
def test_nothing_already_done_is_due_again_and_a_second_run_finds_nothing(case):
    subscriber, now, ws, missing, newest, done = case
    found = due(subscriber, now, ws, missing, newest, done)
    assert not {(d.kind, d.period) for d in found} & done
    assert len({(d.kind, d.period) for d in found}) == len(found)
    assert due(subscriber, now, ws, missing, newest, done | {(d.kind, d.period) for d in found}) == []


@given(cases())
def test_a_window_reminder_only_while_the_window_is_open_and_a_reading_is_missing(case):
    subscriber, now, ws, missing, newest, done = case
    by_id = {w.id: w for w in ws}
    for item in due(subscriber, now, ws, missing, newest, done):
        if item.kind == CHARGE:
            continue
        window = by_id[item.window_id]
        assert window.opens_at <= now < window.closes_at and window.id in missing
        assert item.period == window.period
        # the closing reminder exactly in the last two days (Kyiv wall clock), the opening one before them
        assert (item.kind == WINDOW_CLOSING) == (now >= closing_notice_from(window))


@given(cases())
def test_each_open_window_missing_a_reading_gets_exactly_one_reminder_of_the_moment(case):
    subscriber, now, ws, missing, newest, _done = case
    subscriber = Subscriber(1, "olena@example.com", True, subscriber.charges_seen_through)
    found = due(subscriber, now, ws, missing, newest, set())
    for window in ws:
        expected = window.opens_at <= now < window.closes_at and window.id in missing
        assert sum(d.window_id == window.id for d in found) == int(expected)


@given(cases())
def test_a_charge_reminder_only_for_a_month_later_than_the_one_known_at_consent(case):
    subscriber, now, ws, missing, newest, done = case
    subscriber = Subscriber(1, "olena@example.com", True, subscriber.charges_seen_through)
    charges = [d for d in due(subscriber, now, ws, missing, newest, done) if d.kind == CHARGE]
    seen = subscriber.charges_seen_through
    expected = newest is not None and (seen is None or newest > seen) and (CHARGE, newest) not in done
    assert charges == ([Due(CHARGE, newest)] if expected else [])


@given(PERIODS)
def test_the_closing_notice_starts_at_midnight_two_days_before_the_default_close(period):
    window = Window(1, period, *default_bounds(period))
    start = closing_notice_from(window)
    assert start == kyiv_midnight(add_months(period, 1).replace(day=2))  # 00:00 on the 2nd: the 2nd and the 3rd left
    assert start.utcoffset() == start.astimezone(KYIV).utcoffset()


@given(st.integers(1, 10**9), MOMENTS, st.integers(0, 364 * 86400))
def test_a_token_names_its_login_until_it_expires(login_id, issued, age_seconds):
    token = mail.unsubscribe_token("s" * 32, login_id, issued)
    issued_utc = issued.astimezone(dt.UTC)  # a link's age is real time: Kyiv's clock moves an hour twice a year
    assert mail.read_unsubscribe_token("s" * 32, token, issued_utc + dt.timedelta(seconds=age_seconds), 365) == login_id
    with pytest.raises(mail.BadToken) as expired:
        mail.read_unsubscribe_token("s" * 32, token, issued_utc + dt.timedelta(days=365, seconds=1), 365)
    assert expired.value.reason == "expired"


@given(st.integers(1, 10**6), st.data())
def test_a_changed_token_never_names_another_login(login_id, data):
    now = dt.datetime(2026, 11, 26, 9, tzinfo=KYIV)
    token = mail.unsubscribe_token("s" * 32, login_id, now)
    position = data.draw(st.integers(0, len(token) - 1))
    replacement = data.draw(st.sampled_from("ABCxyz019-_.="))
    changed = token[:position] + replacement + token[position + 1 :]
    try:
        named = mail.read_unsubscribe_token("s" * 32, changed, now, 365)
    except mail.BadToken as error:
        assert error.reason == "invalid"
    else:  # only a change the base64 decoding cannot see (the unused bits of the last character)
        assert named == login_id


def test_a_token_signed_with_another_secret_or_no_secret_is_invalid():
    now = dt.datetime(2026, 11, 26, 9, tzinfo=KYIV)
    token = mail.unsubscribe_token("another-secret-1234", 7, now)
    for secret in ("s" * 32, ""):
        with pytest.raises(mail.BadToken):
            mail.read_unsubscribe_token(secret, token, now, 365)
    for garbage in ("", "abc", "a.b.c", "%%%.@@@", "x" * 500):
        with pytest.raises(mail.BadToken):
            mail.read_unsubscribe_token("s" * 32, garbage, now, 365)


def test_mail_settings_say_what_is_missing():
    assert any("TEPLO_SMTP_HOST" in p for p in mail.MailSettings.load({}).problems())
    ready = {
        "TEPLO_SMTP_HOST": "smtp.example.ua",
        "TEPLO_MAIL_FROM": "noreply@cabinet.example.ua",
        "TEPLO_UNSUBSCRIBE_SECRET": "x" * 32,
        "PUBLIC_BASE_URL": "https://cabinet.example.ua",
    }
    settings = mail.MailSettings.load(ready)
    assert settings.problems() == [] and (settings.port, settings.tls) == (587, "starttls")
    assert mail.MailSettings.load({**ready, "TEPLO_SMTP_TLS": "ssl"}).port == 465
    plain = {**ready, "TEPLO_SMTP_TLS": "none", "TEPLO_SMTP_USER": "u", "TEPLO_SMTP_PASSWORD": "p"}
    assert any("unencrypted" in p for p in mail.MailSettings.load(plain).problems())
    assert mail.MailSettings.load({**plain, "TEPLO_SMTP_HOST": "127.0.0.1"}).problems() == []
    assert any(
        "TEPLO_UNSUBSCRIBE_SECRET" in p
        for p in mail.MailSettings.load({**ready, "TEPLO_UNSUBSCRIBE_SECRET": "short"}).problems()
    )
