"""The dashboard's SQL aggregates against numbers computed by hand on a small world (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from core import additional_charges, dashboard, dashboard_payments, dashboard_readings
from db.models import ConsumerAccountLink, ConsumerLogin
from tests.conftest import World, kyiv

NOW = kyiv(2026, 11, 27, 12)
A, B, C, D = "1120200001000", "1120200001001", "1120200001002", "1120200001003"


@dataclass
class Town:
    world: World
    a: int
    b: int
    c: int
    d: int
    october: int
    november: int


def build(world: World) -> Town:
    """Four accounts: A and B metered (A on вул. Гулака-Артемовського, B on просп. Волі), C heating only,
    D hot water without a meter. October and November 2026 windows; `now` is 27 Nov 2026 noon (Kyiv).

    Charges: A heating Sep 1000,00 and Oct 1500,00; B hot water Oct 300,00; C heating Oct 700,00.
    Payments: A heating 900,00 on 5 Oct and 1000,00 at 00:30 on 10 Nov (22:30 UTC the day before);
    C heating 500,00 on 28 Oct; B hot water 200,00 on 26 Nov; B heating 50,00 by cabinet on 20 Nov (an
    overpayment on a service with no charges: it must not reduce anyone's debt).
    Readings: October window: A at 01:30 on 26 Oct (Kyiv; still 25 Oct in UTC) by cabinet, B on 3 Nov (the
    window's last day) by the water utility; November window: A on 26 Nov by staff.
    Cabinet links: B on 1 Oct, A on 1 Nov."""
    a = world.account(A)
    b = world.account(B, address="просп. Волі, 1, кв. 2")
    c = world.account(C, hot_water=False, address="просп. Волі, 1, кв. 3")
    d = world.account(D, address="вул. Гулака-Артемовського, 20, кв. 4")
    meter_a = world.meter(a, "0812345", initial="100.000")
    meter_b = world.meter(b, "0800001", initial="50.000")
    october = world.window(dt.date(2026, 10, 1))
    november = world.window(dt.date(2026, 11, 1))
    world.charge(a, "heating", dt.date(2026, 9, 1), "1000.00")
    world.charge(a, "heating", dt.date(2026, 10, 1), "1500.00")
    world.charge(b, "hot_water", dt.date(2026, 10, 1), "300.00", tariff="98.5200")
    world.charge(c, "heating", dt.date(2026, 10, 1), "700.00")
    world.payment(a, "heating", "900.00", kyiv(2026, 10, 5, 10))
    world.payment(a, "heating", "1000.00", kyiv(2026, 11, 10, 0, 30))
    world.payment(c, "heating", "500.00", kyiv(2026, 10, 28, 10))
    world.payment(b, "hot_water", "200.00", kyiv(2026, 11, 26, 10))
    world.payment(b, "heating", "50.00", kyiv(2026, 11, 20, 10), channel="cabinet")
    world.reading(meter_a, october, "102.000", kyiv(2026, 10, 26, 1, 30), consumption="2.000", channel="cabinet")
    world.reading(meter_b, october, "53.000", kyiv(2026, 11, 3, 18), consumption="3.000")
    world.reading(meter_a, november, "104.000", kyiv(2026, 11, 26, 9), consumption="2.000", channel="staff")
    with world.sessions.begin() as s:
        for number, (account, linked) in enumerate(((b, kyiv(2026, 10, 1)), (a, kyiv(2026, 11, 1)))):
            login = ConsumerLogin(
                login=f"user{number}@example.com", password_hash="x", language="uk", created_at=linked
            )
            s.add(login)
            s.flush()
            s.add(ConsumerAccountLink(login_id=login.id, account_id=account, method="payment", linked_at=linked))
    return Town(world, a, b, c, d, october, november)


def test_overview_matches_hand_computed_figures(world):
    build(world)
    o = dashboard.overview(world.sessions, now=NOW)
    assert o.window.period == dt.date(2026, 11, 1) and o.window_open
    # Metered: A and B (C takes no hot water, D has no meter); A has submitted in November.
    assert (o.submitted, o.metered, o.submission_rate) == (1, 2, Decimal("50.0"))
    # October at the same point (2.5 days after opening): only A had submitted.
    assert o.previous_submission_rate == Decimal("50.0")
    # November payments 1000 + 200 + 50 against October's bill 1500 + 300 + 700.
    assert (o.paid, o.charged, o.collection_rate) == (Decimal("1250.00"), Decimal("2500.00"), Decimal("50.0"))
    # October up to the 27th noon: 900 against September's 1000 (the 500 of 28 Oct is after the cut).
    assert (o.previous_paid, o.previous_charged, o.previous_collection_rate) == (
        Decimal("900.00"),
        Decimal("1000.00"),
        Decimal("90.0"),
    )
    # Debt: A 2500 − 1900 = 600, B hot water 300 − 200 = 100, C 700 − 500 = 200; B's heating overpayment ignored.
    assert o.debt == Decimal("900.00")
    # A month ago (27 Oct noon): only September was billed: A 1000 − 900.
    assert o.previous_debt == Decimal("100.00")
    assert (o.registered, o.previous_registered) == (2, 1)


def test_readings_per_window_by_channel_and_street(world):
    town = build(world)
    rows = dashboard_readings.readings_per_window(world.sessions, dt.date(2026, 10, 1), dt.date(2026, 11, 1), now=NOW)
    assert [(r.period, r.by_channel, r.submitted, r.metered, r.share) for r in rows] == [
        (dt.date(2026, 10, 1), {"cabinet": 1, "water_utility": 1}, 2, 2, Decimal("100.0")),
        (dt.date(2026, 11, 1), {"staff": 1}, 1, 2, Decimal("50.0")),
    ]
    street = dashboard_readings.readings_per_window(
        world.sessions, dt.date(2026, 10, 1), dt.date(2026, 11, 1), street="просп. Волі", now=NOW
    )
    assert [(r.by_channel, r.submitted, r.metered) for r in street] == [({"water_utility": 1}, 1, 1), ({}, 0, 1)]
    assert town.november == rows[1].window_id


def test_an_account_with_two_meters_counts_once_in_its_window(world):
    """Kitchen and bathroom meters on one account: both read is one account with a reading, and so is one of them
    read; the account counts once among the metered."""
    town = build(world)
    e = world.account("1120200001004", address="просп. Волі, 3, кв. 5")
    kitchen, bathroom = world.meter(e, "0900001"), world.meter(e, "0900002")
    world.reading(kitchen, town.october, "101.000", kyiv(2026, 10, 27, 9))
    world.reading(bathroom, town.november, "101.500", kyiv(2026, 11, 26, 9))
    world.reading(kitchen, town.november, "102.000", kyiv(2026, 11, 26, 9, 5))
    rows = dashboard_readings.readings_per_window(world.sessions, dt.date(2026, 10, 1), dt.date(2026, 11, 1), now=NOW)
    # November: A (by staff) and E, not B.
    assert [(r.submitted, r.metered, r.by_channel.get("water_utility", 0)) for r in rows] == [(3, 3, 2), (2, 3, 2)]
    street = dashboard_readings.readings_per_window(
        world.sessions, dt.date(2026, 10, 1), dt.date(2026, 11, 1), street="просп. Волі", now=NOW
    )
    assert [(r.submitted, r.metered) for r in street] == [(2, 2), (1, 2)]  # B and E


def test_submission_curve_counts_by_kyiv_day_and_marks_the_last_days(world):
    town = build(world)
    curve = dashboard_readings.submission_curve(world.sessions, town.october, now=NOW)
    assert curve.metered == 2
    assert curve.days[0].day == dt.date(2026, 10, 25) and curve.days[-1].day == dt.date(2026, 11, 3)
    new = {d.day: d.new for d in curve.days if d.new}
    assert new == {dt.date(2026, 10, 26): 1, dt.date(2026, 11, 3): 1}  # 01:30 Kyiv on the 26th, not UTC's 25th
    assert [d.cumulative for d in curve.days][-1] == 2 and curve.days[-1].share == Decimal("100.0")
    assert [d.day for d in curve.days if d.last_days] == [
        dt.date(2026, 11, 1),
        dt.date(2026, 11, 2),
        dt.date(2026, 11, 3),
    ]
    # An open window stops at today.
    open_curve = dashboard_readings.submission_curve(world.sessions, town.november, now=NOW)
    assert open_curve.days[-1].day == dt.date(2026, 11, 27) and open_curve.days[-1].cumulative == 1


def test_accounts_without_reading_during_an_open_window(world):
    town = build(world)
    total, rows = dashboard_readings.accounts_without_reading(world.sessions, town.november)
    assert total == 1
    assert [(r.account_number, r.meter_serial, r.last_value) for r in rows] == [(B, "0800001", Decimal("53.000"))]
    assert dashboard_readings.accounts_without_reading(
        world.sessions, town.november, street="вул. Гулака-Артемовського"
    ) == (0, [])


def test_payment_inflows_by_month_day_and_week(world):
    build(world)
    months = dashboard_payments.payment_inflows(world.sessions, dt.date(2026, 10, 1), dt.date(2026, 11, 27), "month")
    assert [(r.bucket, r.service, r.channel, r.amount, r.payments) for r in months] == [
        (dt.date(2026, 10, 1), "heating", "bank", Decimal("1400.00"), 2),
        (dt.date(2026, 11, 1), "heating", "bank", Decimal("1000.00"), 1),
        (dt.date(2026, 11, 1), "heating", "cabinet", Decimal("50.00"), 1),
        (dt.date(2026, 11, 1), "hot_water", "bank", Decimal("200.00"), 1),
    ]
    days = dashboard_payments.payment_inflows(world.sessions, dt.date(2026, 11, 9), dt.date(2026, 11, 10), "day")
    assert [(r.bucket, r.amount) for r in days] == [(dt.date(2026, 11, 10), Decimal("1000.00"))]
    weeks = dashboard_payments.payment_inflows(
        world.sessions, dt.date(2026, 11, 1), dt.date(2026, 11, 30), "week", service="heating"
    )
    assert {(r.bucket, r.channel): r.amount for r in weeks} == {
        (dt.date(2026, 11, 9), "bank"): Decimal("1000.00"),
        (dt.date(2026, 11, 16), "cabinet"): Decimal("50.00"),
    }


def test_payments_against_the_bill_due_each_month(world):
    build(world)
    rows = dashboard_payments.payments_against_charges(world.sessions, dt.date(2026, 10, 1), dt.date(2026, 11, 1))
    assert [(r.month, r.paid, r.charged, r.collection_rate) for r in rows] == [
        (dt.date(2026, 10, 1), Decimal("1400.00"), Decimal("1000.00"), Decimal("140.0")),
        (dt.date(2026, 11, 1), Decimal("1250.00"), Decimal("2500.00"), Decimal("50.0")),
    ]


def test_billing_file_format():
    from core.estimates import AdditionalChargeLine

    line = AdditionalChargeLine(
        1,
        B,
        "просп. Волі, 1, кв. 2",
        "просп. Волі",
        2,
        "0800001",
        2,
        1,
        "average",
        Decimal("0.1"),
        30,
        Decimal("3.000"),
        Decimal("98.5200"),
        Decimal("295.56"),
    )
    data = additional_charges.billing_csv([line], dt.date(2026, 11, 1))
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").split("\r\n") == [
        "account_number;service;period;volume_m3;tariff;amount;rule;quality",
        f"{B};hot_water;2026-11;3,000;98,52;295,56;average;estimated",
        "",
    ]
