"""Money and volumes are stored exactly on both databases, and sums in SQL stay exact (issue 10, item 15)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, insert, select, text

from core import dashboard, rollups
from db.engine import make_engine
from db.migrate import downgrade, upgrade
from db.models import Charge, Meter, Payment, Reading
from tests.conftest import kyiv


def _storage_class(session, table: str, column: str) -> str:
    if session.get_bind().dialect.name == "sqlite":
        return session.scalar(text(f"SELECT DISTINCT typeof({column}) FROM {table}"))
    return session.scalar(text(f"SELECT DISTINCT pg_typeof({column})::text FROM {table}"))


def test_ten_thousand_kopecks_sum_to_exactly_one_hundred_hryvnias(world, sessions):
    account = world.account()
    paid_at = kyiv(2026, 11, 10, 12)
    with sessions.begin() as s:
        s.execute(
            insert(Payment),
            [
                dict(
                    account_id=account,
                    service="heating",
                    amount=Decimal("0.01"),
                    paid_at=paid_at,
                    channel="bank",
                    source="test",
                    external_ref=f"r{i}",
                )
                for i in range(10_000)
            ],
        )
        rollups.rebuild(s)  # the day totals summed in SQL too, as migration 0016 fills them
    with sessions() as s:
        assert _storage_class(s, "payments", "amount") in ("integer", "numeric")
        total = s.scalar(select(func.sum(Payment.amount)))
        assert total == Decimal("100.00") and str(total) == "100.00"
        # the database's own sum is exact too, not a binary float rounded on the way out
        assert _storage_class(s, "(SELECT SUM(amount) AS total FROM payments) AS t", "total") in ("integer", "numeric")
        assert dashboard.paid_between(s, kyiv(2026, 11, 1), kyiv(2026, 12, 1)) == Decimal("100.00")


def test_volumes_are_stored_exactly(world, sessions):
    account = world.account()
    meter = world.meter(account, initial="100.001")
    window = world.window(dt.date(2026, 10, 1))
    world.reading(meter, window, "123.457", kyiv(2026, 10, 27, 12), consumption="23.456")
    world.charge(account, "hot_water", dt.date(2026, 10, 1), "2311.00", volume="23.456", tariff="98.5200")
    with sessions() as s:
        for table, column in (
            ("readings", "value"),
            ("readings", "consumption"),
            ("meters", "initial_value"),
            ("charges", "volume"),
            ("charges", "tariff"),
            ("charges", "amount_to_pay"),
        ):
            assert _storage_class(s, table, column) in ("integer", "numeric"), (table, column)
        assert s.scalar(select(Reading.value)) == Decimal("123.457")
        assert s.scalar(select(Meter.initial_value)) == Decimal("100.001")
        assert s.execute(select(Charge.volume, Charge.tariff)).one() == (Decimal("23.456"), Decimal("98.5200"))
        assert s.scalar(select(func.sum(Reading.consumption))) == Decimal("23.456")


def test_values_below_the_last_place_are_rounded_half_up_the_same_on_both_databases(world, sessions):
    account = world.account()
    world.payment(account, "heating", "0.125", kyiv(2026, 11, 10, 12), ref="a")
    world.payment(account, "heating", "0.135", kyiv(2026, 11, 10, 12), ref="b")
    with sessions() as s:
        assert sorted(s.scalars(select(Payment.amount))) == [Decimal("0.13"), Decimal("0.14")]


def test_the_migration_converts_existing_sqlite_money_to_exact_values_and_back(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    upgrade(engine, "0006")
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO accounts (id, number, street, building, address, heated_area, residents, "
                "has_heating, has_hot_water, created_at) VALUES (1, '1120200001000', 'вул. Гулака', '20', "
                "'вул. Гулака, 20', 62.4, 2, 1, 1, '2019-01-01 00:00:00')"
            )
        )
        c.execute(
            text(
                "INSERT INTO payments (account_id, service, amount, paid_at, channel, source, external_ref) "
                "VALUES (1, 'heating', 1866.66, '2020-02-12 10:00:00', 'bank', 'old', 'a'), "
                "(1, 'heating', 100, '2020-02-13 10:00:00', 'bank', 'old', 'b'), "
                "(1, 'heating', 0.29, '2020-02-14 10:00:00', 'bank', 'old', 'c')"
            )
        )
        c.execute(
            text(
                "INSERT INTO meters (id, account_id, serial, service, unit, initial_value, installed_on) "
                "VALUES (1, 1, '0812345', 'hot_water', 'm3', 123.457, '2018-01-01')"
            )
        )
        assert c.scalar(text("SELECT typeof(amount) FROM payments WHERE external_ref = 'a'")) == "real"
    upgrade(engine)
    with engine.connect() as c:
        assert {t for (t,) in c.execute(text("SELECT typeof(amount) FROM payments"))} == {"integer"}
        assert sorted(c.scalars(select(Payment.amount))) == [Decimal("0.29"), Decimal("100.00"), Decimal("1866.66")]
        assert c.scalar(select(func.sum(Payment.amount))) == Decimal("1966.95")
        assert c.scalar(select(Meter.initial_value)) == Decimal("123.457")
    downgrade(engine, "0007")  # the revision before exact money
    with engine.connect() as c:
        assert sorted(c.scalars(text("SELECT amount FROM payments"))) == pytest.approx([0.29, 100.0, 1866.66])
    engine.dispose()


def test_the_test_fixture_charges_what_the_charges_import_charges(world, sessions):
    """127,30 ₴ with a 25 % discount: to pay is 127,30 × 0,75 = 95,475, rounded half up 95,48 (core.charges.to_pay),
    so the discount is 31,82. The fixture and the import must write the same kopecks."""
    from core import imports

    account = world.account()
    world.charge(account, "heating", dt.date(2020, 1, 1), "127.30", discount="25")
    imports.commit(
        sessions,
        "charges",
        "charges.csv",
        b"account_number;service;month;volume;tariff;amount;discount_percent\n"
        b"1120200001000;heating;2020-02;1,000;127,30;127,30;25\n",
        actor="test",
    )
    with sessions() as s:
        rows = s.execute(select(Charge.discount_amount, Charge.amount_to_pay).order_by(Charge.month)).all()
    assert len(rows) == 2 and rows[0] == rows[1]
    assert rows[1] == (Decimal("31.82"), Decimal("95.48"))
