"""Monthly totals for the consumer's chart and the estimate shown before a window closes (SQLite and PostgreSQL)."""

import datetime as dt
from decimal import Decimal

import pytest

from core.consumer_history import monthly_totals, monthly_totals_of
from core.readings import estimate_if_no_reading, submit_reading
from core.statements import statement_for_consumer
from tests.conftest import kyiv, register_consumer

PASSWORD = "teplo-kvartyra-1"


@pytest.fixture
def consumer(seed_world):
    world, account = seed_world
    login_id = register_consumer(world.sessions, "olena@example.com", password=PASSWORD)
    return world, account, login_id


def _in_sql(sessions, _login_id, account, since=None):
    """The totals summed by the database."""
    with sessions() as session:
        return monthly_totals(session, account, since)


def _from_statement(sessions, login_id, account, since=None):
    """What the account page draws: the totals of the statement it has already read."""
    return monthly_totals_of(statement_for_consumer(sessions, login_id, account), since)


@pytest.mark.parametrize("totals_of", [_in_sql, _from_statement], ids=["sql", "statement"])
def test_monthly_totals_group_charges_and_payments_by_kyiv_month(consumer, totals_of):
    world, account, login_id = consumer
    world.payment(account, "hot_water", "10.00", kyiv(2020, 3, 1, 0, 30))  # 22:30 UTC on 29 February
    world.payment(account, "hot_water", "5.00", kyiv(2020, 7, 1, 1, 30))  # 22:30 UTC on 30 June
    totals = {t.month: (t.charged, t.paid) for t in totals_of(world.sessions, login_id, account)}
    assert totals == {
        dt.date(2020, 1, 1): (Decimal("2279.03"), Decimal("1500.00")),
        dt.date(2020, 2, 1): (Decimal("0.00"), Decimal("2279.03")),
        dt.date(2020, 3, 1): (Decimal("0.00"), Decimal("10.00")),
        dt.date(2020, 7, 1): (Decimal("0.00"), Decimal("5.00")),
    }
    since = totals_of(world.sessions, login_id, account, since=dt.date(2020, 3, 1))
    assert [t.month for t in since] == [dt.date(2020, 3, 1), dt.date(2020, 7, 1)]


def test_estimate_before_the_close_only_while_no_reading_arrived(consumer):
    world, account, login_id = consumer
    world.window(dt.date(2026, 11, 1))
    now = kyiv(2026, 11, 27, 12)
    lines = estimate_if_no_reading(world.sessions, login_id, account, now=now)
    assert len(lines) == 1
    (line,) = lines.values()
    assert line.rule == "norm" and line.volume == Decimal("3.200")  # no history: 1,6 m³ × 2 residents
    (meter_id,) = lines
    submit_reading(world.sessions, login_id, meter_id, "101,5", now=now)
    assert estimate_if_no_reading(world.sessions, login_id, account, now=now) == {}
    assert estimate_if_no_reading(world.sessions, login_id, account, now=kyiv(2026, 12, 10)) == {}
