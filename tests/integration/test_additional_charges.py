"""DESIGN rule 6: additional charges for a closed window, with numbers computed by hand."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from core import additional_charges, readings
from core.errors import DomainError
from core.windows import WindowInfo
from db.models import AdditionalCharge, AuditLog, Meter, ReadingWindow
from tests.conftest import kyiv

FEB = dt.date(2020, 2, 1)


@pytest.fixture
def town(world):
    w = {p: world.window(p) for p in (dt.date(2019, 9, 1), dt.date(2019, 10, 1), dt.date(2019, 11, 1), dt.date(2020, 1, 1), FEB, dt.date(2020, 3, 1))}
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
        receipt = readings.record_reading(s, meter, Decimal("120.000"), window=info, channel="staff",
                                          submitted_at=kyiv(2020, 3, 30, 10), actor="operator")
    # 120 − 116 = 4 m³ consumed, of which 2,9 m³ were already charged by the February estimate.
    assert receipt.consumption == Decimal("4.000")
    assert receipt.estimated_before == Decimal("2.900")
    assert receipt.billed_volume == Decimal("1.100")
