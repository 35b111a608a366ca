"""DESIGN rules 5-6 for readings: the window, never below the previous, jumps confirmed and flagged,
resubmission supersedes; on SQLite and PostgreSQL."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from core import consumers, readings
from core.errors import AccessDenied, DomainError, NeedsConfirmation
from db.models import AuditLog, Reading
from tests.conftest import kyiv

IN_WINDOW = kyiv(2020, 3, 2, 10)  # the February 2020 window: 25 Feb - 3 Mar


@pytest.fixture
def consumer(seed_world, sessions):
    world, account = seed_world
    with sessions() as s:
        meter_id = s.scalar(select(Reading.meter_id)) or None
    window = world.window(dt.date(2020, 2, 1))
    world.window(dt.date(2020, 3, 1))
    from db.models import Meter

    with sessions() as s:
        meter_id = s.scalar(select(Meter.id).where(Meter.account_id == account))
    # Three monthly readings of about 3 m³ give the account a history: 100 → 103 → 106 → 109.
    for i, period in enumerate([dt.date(2019, 11, 1), dt.date(2019, 12, 1), dt.date(2020, 1, 1)]):
        wid = world.window(period)
        world.reading(meter_id, wid, f"{103 + 3 * i}.000", kyiv(period.year, period.month, 28, 12), consumption="3")
    login_id = consumers.register(sessions, account_number="1120200001000", login="olena@example.com",
                                  password="тепла-зима-2020", password_repeated="тепла-зима-2020",
                                  last_payment="1866,66", now=IN_WINDOW)
    return login_id, meter_id, window


def test_reading_accepted_with_receipt_and_consumption(consumer, sessions):
    login_id, meter_id, _ = consumer
    receipt = readings.submit_reading(sessions, login_id, meter_id, "111,250", now=IN_WINDOW)
    assert receipt.previous_value == Decimal("109.000")
    assert receipt.consumption == Decimal("2.250")
    assert receipt.period == dt.date(2020, 2, 1)
    assert receipt.receipt_number.startswith("202002-")
    assert not receipt.flagged
    with sessions() as s:
        audit = s.scalar(select(AuditLog).where(AuditLog.action == "reading.submitted"))
        assert audit.actor == "olena@example.com" and receipt.receipt_number in audit.details
    [view] = readings.meters_of_account(sessions, login_id, consumer_account(sessions, login_id), now=IN_WINDOW)
    assert view.last_value == Decimal("111.250") and view.in_window_value == Decimal("111.250")


def consumer_account(sessions, login_id):
    return consumers.linked_accounts(sessions, login_id)[0].account_id


def test_below_previous_is_refused(consumer, sessions):
    login_id, meter_id, _ = consumer
    with pytest.raises(DomainError) as err:
        readings.submit_reading(sessions, login_id, meter_id, "108,999", now=IN_WINDOW)
    assert err.value.key == "reading.below_previous"
    assert "109,000" in err.value.message("uk")
    with sessions() as s:
        assert s.scalar(select(Reading).where(Reading.value == Decimal("108.999"))) is None


@pytest.mark.parametrize("moment", [kyiv(2020, 3, 4, 0, 0), kyiv(2020, 2, 24, 23, 59)])
def test_outside_the_window_is_refused_with_next_dates(consumer, sessions, moment):
    login_id, meter_id, _ = consumer
    with pytest.raises(DomainError) as err:
        readings.submit_reading(sessions, login_id, meter_id, "111", now=moment)
    assert err.value.key == "reading.window_closed"
    assert "25.03.2020" in err.value.message("uk") or "25.02.2020" in err.value.message("uk")


def test_last_minute_of_the_window_is_accepted(consumer, sessions):
    login_id, meter_id, _ = consumer
    receipt = readings.submit_reading(sessions, login_id, meter_id, "111", now=kyiv(2020, 3, 3, 23, 59))
    assert receipt.period == dt.date(2020, 2, 1)


def test_resubmission_needs_confirmation_then_supersedes(consumer, sessions):
    login_id, meter_id, window = consumer
    first = readings.submit_reading(sessions, login_id, meter_id, "111", now=IN_WINDOW)
    with pytest.raises(NeedsConfirmation) as ask:
        readings.submit_reading(sessions, login_id, meter_id, "112,5", now=IN_WINDOW + dt.timedelta(hours=1))
    assert ask.value.kind == "replace" and "111,000" in ask.value.message("uk")
    second = readings.submit_reading(sessions, login_id, meter_id, "112,5", confirm_replace=True,
                                     now=IN_WINDOW + dt.timedelta(hours=1))
    # The new reading is compared with the last one before this window, not with the replaced one.
    assert second.previous_value == Decimal("109.000") and second.replaced == Decimal("111.000")
    with sessions() as s:
        rows = {r.receipt_number: r for r in s.scalars(select(Reading).where(Reading.window_id == window))}
    assert rows[first.receipt_number].status == "superseded"
    assert rows[first.receipt_number].superseded_by_id == rows[second.receipt_number].id
    assert rows[second.receipt_number].status == "accepted"


def test_resubmitting_lower_than_the_earlier_one_in_the_window_is_allowed(consumer, sessions):
    login_id, meter_id, _ = consumer
    readings.submit_reading(sessions, login_id, meter_id, "119", now=IN_WINDOW)  # a typo: 119 instead of 111
    fixed = readings.submit_reading(sessions, login_id, meter_id, "111", confirm_replace=True, confirm_jump=True,
                                    now=IN_WINDOW)
    assert fixed.consumption == Decimal("2.000")


def test_implausible_jump_needs_confirmation_and_is_flagged(consumer, sessions):
    login_id, meter_id, _ = consumer
    with pytest.raises(NeedsConfirmation) as ask:
        readings.submit_reading(sessions, login_id, meter_id, "150", now=IN_WINDOW)
    assert ask.value.kind == "jump"
    with sessions() as s:
        assert s.scalar(select(Reading).where(Reading.value == Decimal("150"))) is None
    receipt = readings.submit_reading(sessions, login_id, meter_id, "150", confirm_jump=True, now=IN_WINDOW)
    assert receipt.flagged and receipt.consumption == Decimal("41.000")
    with sessions() as s:
        row = s.scalar(select(Reading).where(Reading.receipt_number == receipt.receipt_number))
        assert row.flagged and "41" in row.flag_reason


def test_another_consumers_meter_is_out_of_reach(consumer, sessions, world):
    _login_id, meter_id, _ = consumer
    other = world.account("1120200001001", address="вул. Гулака-Артемовського, 20, кв. 2")
    world.payment(other, "heating", "500.00", kyiv(2020, 2, 1))
    stranger = consumers.register(sessions, account_number="1120200001001", login="+380501112233",
                                  password="інша-квартира-2", password_repeated="інша-квартира-2",
                                  last_payment="500,00", now=IN_WINDOW)
    with pytest.raises(AccessDenied):
        readings.submit_reading(sessions, stranger, meter_id, "111", now=IN_WINDOW)
    with pytest.raises(AccessDenied):
        readings.meters_of_account(sessions, stranger, consumer_account(sessions, _login_id), now=IN_WINDOW)


def test_bad_text_is_a_domain_error(consumer, sessions):
    login_id, meter_id, _ = consumer
    with pytest.raises(DomainError) as err:
        readings.submit_reading(sessions, login_id, meter_id, "сто", now=IN_WINDOW)
    assert err.value.key == "reading.format"
