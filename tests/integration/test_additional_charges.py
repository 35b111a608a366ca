"""DESIGN rule 6: additional charges for a closed window, with numbers computed by hand."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from core import additional_charges, reading_record, readings, statements
from core.errors import DomainError
from core.windows import WindowInfo
from db.models import Account, AdditionalCharge, AuditLog, Meter, Reading, ReadingWindow
from tests.conftest import kyiv

FEB = dt.date(2020, 2, 1)


@pytest.fixture
def town(world):
    w = {
        p: world.window(p)
        for p in (
            dt.date(2019, 9, 1),
            dt.date(2019, 10, 1),
            dt.date(2019, 11, 1),
            dt.date(2020, 1, 1),
            FEB,
            dt.date(2020, 3, 1),
        )
    }
    # A: 110 m³ on 28 Nov, 116 m³ on 27 Jan (60 days: 0,1 m³ a day); nothing in February → average rule.
    a = world.account("1120200000001", residents=2, address="вул. Львівська, 1, кв. 1")
    ma = world.meter(a, serial="A-1", initial="100")
    world.reading(ma, w[dt.date(2019, 11, 1)], "110", kyiv(2019, 11, 28, 12))
    world.reading(ma, w[dt.date(2020, 1, 1)], "116", kyiv(2020, 1, 27, 12))
    world.charge(a, "hot_water", dt.date(2020, 1, 1), "528.00", volume="6.000", tariff="88.0000")
    # B: last reading in the October window, so February is the 4th month without → norm 3 × 1,6 m³.
    b = world.account("1120200000002", residents=3, address="вул. Львівська, 1, кв. 2")
    mb = world.meter(b, serial="B-1", initial="50")
    world.reading(mb, w[dt.date(2019, 9, 1)], "52", kyiv(2019, 9, 28, 12))
    world.reading(mb, w[dt.date(2019, 10, 1)], "55", kyiv(2019, 10, 28, 12))
    # C: a meter that never sent a reading → norm 1 × 1,6 m³.
    c = world.account("1120200000003", residents=1, address="просп. Волі, 5, кв. 3")
    world.meter(c, serial="C-1")
    # D: sent its February reading → not listed.
    d = world.account("1120200000004", address="просп. Волі, 5, кв. 4")
    md = world.meter(d, serial="D-1")
    world.reading(md, w[FEB], "101", kyiv(2020, 3, 2, 9))
    # E: no hot water at all → not listed.
    world.account("1120200000005", hot_water=False, address="просп. Волі, 5, кв. 5")
    return w, ma


def lines_by_serial(sessions, window_id):
    return {line.meter_serial: line for line in additional_charges.additional_charge_list(sessions, window_id)}


def test_lines_follow_the_average_and_norm_rules(town, sessions):
    w, _ = town
    lines = lines_by_serial(sessions, w[FEB])
    assert set(lines) == {"A-1", "B-1", "C-1"}
    a = lines["A-1"]
    assert (a.rule, a.months_without, a.days, a.average_daily) == ("average", 1, 29, Decimal("0.100000"))
    assert a.volume == Decimal("2.900") and a.tariff == Decimal("88.0000") and a.amount == Decimal("255.20")
    b = lines["B-1"]
    assert (b.rule, b.months_without, b.volume) == ("norm", 4, Decimal("4.800"))
    assert b.amount == Decimal("472.90")  # 4,8 m³ × 98,52 (the default tariff: no hot-water charge on file)
    c = lines["C-1"]
    assert (c.rule, c.months_without, c.volume) == ("norm", None, Decimal("1.600"))


def test_processing_needs_a_closed_window_and_happens_once(town, sessions):
    w, _ = town
    with pytest.raises(DomainError) as early:
        additional_charges.process_window(sessions, w[FEB], actor="manager", now=kyiv(2020, 3, 3, 23))
    assert early.value.key == "window.not_closed"
    assert additional_charges.process_window(sessions, w[FEB], actor="manager", now=kyiv(2020, 3, 4, 9)) == 3
    with pytest.raises(DomainError) as again:
        additional_charges.process_window(sessions, w[FEB], actor="manager", now=kyiv(2020, 3, 4, 10))
    assert again.value.key == "window.already_processed"
    with sessions() as s:
        assert s.scalar(select(ReadingWindow.processed_by).where(ReadingWindow.id == w[FEB])) == "manager"
        audit = s.scalar(select(AuditLog).where(AuditLog.action == "window.processed"))
        assert '"lines": 3' in audit.details
        assert len(s.scalars(select(AdditionalCharge)).all()) == 3
    # A processed window keeps listing what was stored.
    assert lines_by_serial(sessions, w[FEB])["A-1"].amount == Decimal("255.20")


def test_next_real_reading_self_corrects_the_estimate(town, sessions):
    w, ma = town
    additional_charges.process_window(sessions, w[FEB], actor="manager", now=kyiv(2020, 3, 4, 9))
    with sessions.begin() as s:
        meter = s.get(Meter, ma)
        window = s.get(ReadingWindow, w[dt.date(2020, 3, 1)])
        info = WindowInfo(window.id, window.period, window.opens_at, window.closes_at, None)
        receipt = reading_record.record_reading(
            s,
            meter,
            Decimal("120.000"),
            window=info,
            channel="staff",
            submitted_at=kyiv(2020, 3, 30, 10),
            actor="operator",
        )
    # 120 − 116 = 4 m³ consumed, of which 2,9 m³ were already charged by the February estimate.
    assert receipt.consumption == Decimal("4.000")
    assert receipt.estimated_before == Decimal("2.900")
    assert receipt.billed_volume == Decimal("1.100")


# --- history across meter replacements (issue 10 item 9) and recalculation (item 10) ------------------------------


def test_a_replaced_meter_is_estimated_from_the_accounts_average_not_the_norm(world, sessions):
    windows = {p: world.window(p) for p in (dt.date(2019, m, 1) for m in range(3, 13))}
    windows[FEB] = world.window(FEB)
    account = world.account("1120200000011", residents=4, address="вул. Львівська, 3, кв. 1")
    old = world.meter(account, serial="OLD-1", initial="70", installed=dt.date(2015, 1, 1))
    for month in range(3, 13):  # 3 m³ a month, March to December 2019
        world.reading(old, windows[dt.date(2019, month, 1)], f"{100 + 3 * (month - 3)}", kyiv(2019, month, 28, 12))
    with sessions.begin() as s:
        s.get(Meter, old).removed_on = dt.date(2020, 1, 10)
    world.meter(account, serial="NEW-1", initial="0.5", installed=dt.date(2020, 1, 10))
    line = lines_by_serial(sessions, windows[FEB])["NEW-1"]
    assert (line.rule, line.months_without, line.quality) == ("average", 2, "estimated")
    # 27 m³ over 275 days (28 Mar - 28 Dec) × 29 days of February ≈ 2,85 m³, not the norm of 4 × 1,6 = 6,4 m³.
    assert line.average_daily == Decimal("0.098182") and line.volume == Decimal("2.847")
    assert "OLD-1" not in lines_by_serial(sessions, windows[FEB])


def test_one_reading_in_twelve_months_is_averaged_with_the_reading_before(world, sessions):
    account = world.account("1120200000012", residents=4, address="вул. Львівська, 3, кв. 2")
    meter = world.meter(account, serial="ONE-1", initial="0", installed=dt.date(2015, 1, 1))
    world.reading(meter, world.window(dt.date(2019, 1, 1)), "100", kyiv(2019, 1, 28, 12))
    world.reading(meter, world.window(dt.date(2020, 1, 1)), "136.5", kyiv(2020, 1, 28, 12))
    line = lines_by_serial(sessions, world.window(FEB))["ONE-1"]
    assert (line.rule, line.average_daily, line.volume) == ("average", Decimal("0.100000"), Decimal("2.900"))


@pytest.fixture
def overestimated(world, sessions):
    """The issue's case: 100 m³ in December, no reading in January (estimated by the norm: 6,4 m³), then February's
    reading shows only 1 m³ used since December."""
    w = {p: world.window(p) for p in (dt.date(2019, 12, 1), dt.date(2020, 1, 1), FEB, dt.date(2020, 3, 1))}
    account = world.account("1120200000013", residents=4, address="вул. Львівська, 5, кв. 1")
    # Installed eight days before its first reading: too short a history for an average.
    meter = world.meter(account, serial="EST-1", initial="99.5", installed=dt.date(2019, 12, 20))
    world.reading(meter, w[dt.date(2019, 12, 1)], "100", kyiv(2019, 12, 28, 12))
    world.charge(account, "hot_water", dt.date(2020, 1, 1), "640.00", volume="6.400", tariff="100.0000")
    additional_charges.process_window(sessions, w[dt.date(2020, 1, 1)], actor="manager", now=kyiv(2020, 2, 4, 9))
    return w, account, meter


def test_an_overestimate_is_credited_back_in_the_billing_file_and_on_the_account(overestimated, sessions):
    w, account, meter = overestimated
    [january] = additional_charges.additional_charge_list(sessions, w[dt.date(2020, 1, 1)])
    assert (january.rule, january.volume, january.amount) == ("norm", Decimal("6.400"), Decimal("640.00"))
    with sessions.begin() as s:
        window = s.get(ReadingWindow, w[FEB])
        info = WindowInfo(window.id, window.period, window.opens_at, window.closes_at, None)
        receipt = reading_record.record_reading(
            s,
            s.get(Meter, meter),
            Decimal("101"),
            window=info,
            channel="staff",
            submitted_at=kyiv(2020, 2, 28, 10),
            actor="operator",
        )
    assert (receipt.estimated_before, receipt.billed_volume, receipt.credited_volume) == (
        Decimal("6.400"),
        Decimal("0.000"),
        Decimal("5.400"),
    )
    additional_charges.process_window(sessions, w[FEB], actor="manager", now=kyiv(2020, 3, 4, 9))
    [credit] = additional_charges.recalculation_list(sessions, w[FEB])
    assert (credit.kind, credit.quality, credit.estimated_volume, credit.actual_volume) == (
        "recalculation",
        "actual",
        Decimal("6.400"),
        Decimal("1.000"),
    )
    assert (credit.volume, credit.amount) == (Decimal("-5.400"), Decimal("-540.00"))
    rows = additional_charges.billing_csv([credit], FEB).decode("utf-8-sig").split("\r\n")
    assert rows[1] == "1120200000013;hot_water;2020-02;-5,400;100,00;-540,00;recalculation;actual"
    with sessions() as s:
        [line] = statements.statement(s, account).recalculations
    assert (line.period, line.estimated_volume, line.actual_volume, line.volume) == (
        FEB,
        Decimal("6.400"),
        Decimal("1.000"),
        Decimal("-5.400"),
    )
    # Processing again adds nothing: each reading is recalculated once.
    additional_charges.process_window(sessions, w[dt.date(2020, 3, 1)], actor="manager", now=kyiv(2020, 4, 4, 9))
    assert additional_charges.recalculation_list(sessions, w[dt.date(2020, 3, 1)]) == []


def test_a_corrected_reading_reverses_its_recalculation_and_is_recalculated_again(overestimated, sessions, world):
    w, _account, meter = overestimated
    world.reading(meter, w[FEB], "101", kyiv(2020, 2, 28, 10))
    additional_charges.process_window(sessions, w[FEB], actor="manager", now=kyiv(2020, 3, 4, 9))
    with sessions() as s:
        reading_id = s.scalar(select(Reading.id).where(Reading.window_id == w[FEB]))
    readings.correct_reading(
        sessions, reading_id, "108", "нуль прочитано як одиницю", actor="operator", now=kyiv(2020, 3, 10, 9)
    )
    additional_charges.process_window(sessions, w[dt.date(2020, 3, 1)], actor="manager", now=kyiv(2020, 4, 4, 9))
    march = additional_charges.recalculation_list(sessions, w[dt.date(2020, 3, 1)])
    assert sorted((r.kind, r.quality, r.volume) for r in march) == [
        ("recalculation", "corrected", Decimal("1.600")),
        ("reversal", "actual", Decimal("5.400")),
    ]
    # Everything charged for the meter since December: estimate + recalculations = the true 8 m³.
    estimated = sum(line.volume for line in additional_charges.additional_charge_list(sessions, w[dt.date(2020, 1, 1)]))
    recalculated = sum(
        r.volume for p in (FEB, dt.date(2020, 3, 1)) for r in additional_charges.recalculation_list(sessions, w[p])
    )
    assert estimated + recalculated == Decimal("8.000")


def test_a_late_reading_for_a_processed_window_is_recalculated_when_the_next_window_is(overestimated, sessions, world):
    w, _account, meter = overestimated
    additional_charges.process_window(sessions, w[FEB], actor="manager", now=kyiv(2020, 3, 4, 9))
    # The water utility's January reading arrives in March, after January (estimated 6,4 m³) was processed.
    world.reading(meter, w[dt.date(2020, 1, 1)], "101", kyiv(2020, 1, 28, 10))
    additional_charges.process_window(sessions, w[dt.date(2020, 3, 1)], actor="manager", now=kyiv(2020, 4, 4, 9))
    [late] = additional_charges.recalculation_list(sessions, w[dt.date(2020, 3, 1)])
    assert (late.period, late.estimated_volume, late.actual_volume, late.volume) == (
        dt.date(2020, 1, 1),
        Decimal("6.400"),
        Decimal("1.000"),
        Decimal("-5.400"),
    )


def test_a_processed_window_lists_what_each_estimate_was_made_of_when_processed(town, sessions):
    """The list of a processed window is what processing stored: a later change of residents or a late reading does
    not rewrite the figures the billing file was built from."""
    w, ma = town
    before = lines_by_serial(sessions, w[FEB])
    additional_charges.process_window(sessions, w[FEB], actor="manager", now=kyiv(2020, 3, 4, 9))
    with sessions.begin() as s:
        account = s.get_one(Account, s.get_one(Meter, ma).account_id)
        account.residents, account.address = 5, "вул. Львівська, 1, кв. 1а"
    after = lines_by_serial(sessions, w[FEB])
    assert set(after) == set(before)
    for serial, line in before.items():
        kept = after[serial]
        assert (kept.residents, kept.months_without, kept.rule, kept.average_daily, kept.days) == (
            line.residents,
            line.months_without,
            line.rule,
            line.average_daily,
            line.days,
        )
        assert (kept.volume, kept.tariff, kept.amount) == (line.volume, line.tariff, line.amount)
    assert after["A-1"].residents == 2 and after["A-1"].address == "вул. Львівська, 1, кв. 1а"  # who, as of now


def test_a_stored_list_read_in_parts_is_the_list_processing_stored(town, sessions, monkeypatch):
    """A city's stored list is streamed from the database in parts: read one line a part, it is the same list, in
    the same order, as the estimate processing stored."""
    w, _ = town
    estimated = additional_charges.additional_charge_list(sessions, w[FEB])
    additional_charges.process_window(sessions, w[FEB], actor="manager", now=kyiv(2020, 3, 4, 9))
    monkeypatch.setattr(additional_charges, "STREAMED_ROWS", 1)
    stored = additional_charges.additional_charge_list(sessions, w[FEB])
    assert len(stored) == len(estimated) >= 2
    assert stored == estimated


def test_rows_stored_without_their_estimate_figures_are_listed_from_a_new_estimate(town, sessions):
    """Windows processed before the figures were kept (NULL columns) still list every field, with the stored
    volume, rule and amount."""
    w, _ = town
    before = lines_by_serial(sessions, w[FEB])
    additional_charges.process_window(sessions, w[FEB], actor="manager", now=kyiv(2020, 3, 4, 9))
    with sessions.begin() as s:
        for row in s.scalars(select(AdditionalCharge).where(AdditionalCharge.window_id == w[FEB])):
            row.residents = row.months_without = row.average_daily = row.days = None
            if s.get_one(Meter, row.meter_id).serial == "B-1":
                row.volume, row.amount = Decimal("4.000"), Decimal("394.08")  # as processing stored it then
    after = lines_by_serial(sessions, w[FEB])
    assert (after["A-1"].months_without, after["A-1"].days) == (before["A-1"].months_without, 29)
    assert (after["B-1"].volume, after["B-1"].amount, after["B-1"].residents) == (
        Decimal("4.000"),
        Decimal("394.08"),
        3,
    )
