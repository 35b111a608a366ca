"""DESIGN rules 5-6 for readings: the window, never below the previous, jumps confirmed and flagged,
resubmission supersedes; on SQLite and PostgreSQL."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from core import consumers, reading_record, readings
from core.errors import AccessDenied, DomainError, NeedsConfirmation
from core.windows import WindowInfo
from db.models import AuditLog, Meter, Reading, ReadingWindow
from tests.conftest import kyiv, register_consumer

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
    login_id = register_consumer(sessions, "olena@example.com", now=IN_WINDOW)
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
    second = readings.submit_reading(
        sessions, login_id, meter_id, "112,5", confirm_replace=True, now=IN_WINDOW + dt.timedelta(hours=1)
    )
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
    fixed = readings.submit_reading(
        sessions, login_id, meter_id, "111", confirm_replace=True, confirm_jump=True, now=IN_WINDOW
    )
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
    stranger = register_consumer(
        sessions, "+380501112233", number="1120200001001", amount="500,00", password="інша-квартира-2", now=IN_WINDOW
    )
    with pytest.raises(AccessDenied):
        readings.submit_reading(sessions, stranger, meter_id, "111", now=IN_WINDOW)
    with pytest.raises(AccessDenied):
        readings.meters_of_account(sessions, stranger, consumer_account(sessions, _login_id), now=IN_WINDOW)


def test_bad_text_is_a_domain_error(consumer, sessions):
    login_id, meter_id, _ = consumer
    with pytest.raises(DomainError) as err:
        readings.submit_reading(sessions, login_id, meter_id, "сто", now=IN_WINDOW)
    assert err.value.key == "reading.format"


# --- readings ordered by their date (DESIGN rule 10, issue 10 items 6-8) and corrections (item 11) -----------------

OCT_2026 = dt.date(2026, 10, 1)


@pytest.fixture
def autumn(world, sessions):
    """One meter read in the September window (100) and, by its consumer, on 2 November in the October window (110)."""
    account = world.account(residents=2)
    meter_id = world.meter(account, serial="0812345", initial="90", installed=dt.date(2018, 1, 1))
    windows = {p: world.window(p) for p in (dt.date(2026, 8, 1), dt.date(2026, 9, 1), OCT_2026, dt.date(2026, 11, 1))}
    world.reading(meter_id, windows[dt.date(2026, 8, 1)], "98", kyiv(2026, 8, 28, 12))
    world.reading(meter_id, windows[dt.date(2026, 9, 1)], "100", kyiv(2026, 9, 28, 12))
    return meter_id, windows


def record(sessions, meter_id, window_id, value, at, channel="water_utility", **options):
    """A reading recorded the way the water utility's import records it (confirmations implied)."""
    with sessions.begin() as s:
        meter = s.get(Meter, meter_id)
        w = s.get(ReadingWindow, window_id)
        info = WindowInfo(w.id, w.period, w.opens_at, w.closes_at, w.processed_at)
        if channel == "water_utility":
            options = {"confirm_jump": True, "confirm_replace": True, **options}
        return reading_record.record_reading(
            s, meter, Decimal(value), window=info, channel=channel, submitted_at=at, actor="operator", **options
        )


def window_rows(sessions, window_id):
    with sessions() as s:
        return {
            (r.value, r.channel): (r.status, r.superseded_by_id, r.quality, r.id)
            for r in s.scalars(select(Reading).where(Reading.window_id == window_id))
        }


def test_an_older_dated_import_does_not_replace_the_consumers_later_reading(autumn, sessions):
    meter_id, w = autumn
    mine = record(sessions, meter_id, w[OCT_2026], "110", kyiv(2026, 11, 2, 10), channel="cabinet")
    late = record(sessions, meter_id, w[OCT_2026], "105", kyiv(2026, 10, 26, 10))
    assert mine.stands and not late.stands
    rows = window_rows(sessions, w[OCT_2026])
    consumer, utility = rows[(Decimal("110.000"), "cabinet")], rows[(Decimal("105.000"), "water_utility")]
    assert consumer[0] == "accepted"
    assert utility[:2] == ("superseded", consumer[3])


def test_a_later_dated_import_stands_and_a_tie_goes_to_the_consumer(autumn, sessions):
    meter_id, w = autumn
    record(sessions, meter_id, w[OCT_2026], "104", kyiv(2026, 10, 27, 10), channel="cabinet")
    record(sessions, meter_id, w[OCT_2026], "106", kyiv(2026, 10, 30, 10))
    assert window_rows(sessions, w[OCT_2026])[(Decimal("106.000"), "water_utility")][0] == "accepted"
    record(sessions, meter_id, w[OCT_2026], "107", kyiv(2026, 11, 1, 10), channel="cabinet", confirm_replace=True)
    record(sessions, meter_id, w[OCT_2026], "107.5", kyiv(2026, 11, 1, 10))  # the same moment: the consumer's stands
    rows = window_rows(sessions, w[OCT_2026])
    assert [key for key, row in rows.items() if row[0] == "accepted"] == [(Decimal("107.000"), "cabinet")]


def test_a_late_import_for_an_older_window_is_checked_against_its_own_neighbours(autumn, sessions):
    meter_id, w = autumn
    record(sessions, meter_id, w[dt.date(2026, 11, 1)], "120", kyiv(2026, 11, 28, 12), channel="cabinet")
    # October's reading arrives after November's: 110 lies between 100 (28 Sep) and 120 (28 Nov).
    late = record(sessions, meter_id, w[OCT_2026], "110", kyiv(2026, 10, 28, 12))
    assert late.stands and late.previous_value == Decimal("100.000") and late.consumption == Decimal("10.000")
    with pytest.raises(DomainError) as above:
        record(sessions, meter_id, w[OCT_2026], "121", kyiv(2026, 10, 29, 12))
    assert above.value.key == "reading.above_next" and "120,000" in above.value.message("uk")
    with pytest.raises(DomainError) as below:
        record(sessions, meter_id, w[OCT_2026], "99", kyiv(2026, 10, 29, 12))
    assert below.value.key == "reading.below_previous" and "100,000" in below.value.message("uk")


def test_a_normal_reading_after_half_a_year_without_readings_is_no_jump(world, sessions):
    """2 m³ a month from January to June, nothing for six months, then 12 m³: 2 m³ a month again."""
    account = world.account()
    meter_id = world.meter(account, initial="100", installed=dt.date(2019, 12, 1))
    for i in range(6):
        period = dt.date(2020, 1 + i, 1)
        world.reading(meter_id, world.window(period), f"{102 + 2 * i}", kyiv(2020, 1 + i, 28, 12), consumption="2")
    december = world.window(dt.date(2020, 12, 1))
    receipt = record(sessions, meter_id, december, "124", kyiv(2020, 12, 28, 12), channel="cabinet")
    assert receipt.consumption == Decimal("12.000") and not receipt.flagged
    # The same 12 m³ one month after the previous reading is still a jump to confirm.
    with pytest.raises(NeedsConfirmation) as ask:
        record(sessions, meter_id, world.window(dt.date(2021, 1, 1)), "136", kyiv(2021, 1, 28, 12), channel="cabinet")
    assert ask.value.kind == "jump"


def test_a_staff_correction_stands_in_place_of_the_reading_and_is_audited(autumn, sessions):
    meter_id, w = autumn
    original = record(sessions, meter_id, w[OCT_2026], "110", kyiv(2026, 11, 2, 10), channel="cabinet")
    assert original.quality == "actual"
    with sessions() as s:
        original_id = s.scalar(select(Reading.id).where(Reading.receipt_number == original.receipt_number))
    with pytest.raises(DomainError) as no_reason:
        readings.correct_reading(sessions, original_id, "101", " ", actor="operator")
    assert no_reason.value.key == "reading.correction_reason"
    with pytest.raises(DomainError) as backwards:
        readings.correct_reading(sessions, original_id, "99", "цифри переплутано", actor="operator")
    assert backwards.value.key == "reading.below_previous"
    fixed = readings.correct_reading(
        sessions, original_id, "101,5", "цифри переплутано", actor="operator", now=kyiv(2026, 11, 5, 9)
    )
    assert fixed.quality == "corrected" and fixed.consumption == Decimal("1.500") and fixed.replaced == Decimal("110")
    rows = window_rows(sessions, w[OCT_2026])
    corrected = rows[(Decimal("101.500"), "staff")]
    assert corrected[0] == "accepted" and corrected[2] == "corrected"
    assert rows[(Decimal("110.000"), "cabinet")][:3] == ("superseded", corrected[3], "actual")
    with sessions() as s:
        entry = s.scalar(select(AuditLog).where(AuditLog.action == "reading.corrected"))
    assert (
        entry.actor == "operator" and "цифри переплутано" in entry.details and '"replaced": "110.000"' in entry.details
    )
    with pytest.raises(DomainError) as superseded:
        readings.correct_reading(sessions, original_id, "102", "ще раз", actor="operator")
    assert superseded.value.key == "reading.correct_not_standing"


def test_the_water_utility_file_with_an_older_date_leaves_the_consumers_reading_standing(configure, autumn, sessions):
    """The issue's case through the import: the consumer's 110 of 2 November, then the utility's 105 of 26 October."""
    from core import imports

    configure(TEPLO_NOW="2026-11-27T12:00")
    meter_id, w = autumn
    record(sessions, meter_id, w[OCT_2026], "110", kyiv(2026, 11, 2, 10), channel="cabinet")
    data = b"meter_serial;value;read_at;ref\r\n0812345;105,000;2026-10-26 10:00;VK-26\r\n"
    result = imports.commit(sessions, "readings", "vodokanal.csv", data, actor="operator")
    assert [row["ref"] for row in result.to_add] == ["VK-26"] and result.rejected == []
    rows = window_rows(sessions, w[OCT_2026])
    assert rows[(Decimal("110.000"), "cabinet")][0] == "accepted"
    assert rows[(Decimal("105.000"), "water_utility")][:2] == ("superseded", rows[(Decimal("110.000"), "cabinet")][3])
