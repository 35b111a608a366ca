"""Balances per service: charges to pay minus payments, summed in SQL."""

import datetime as dt
from decimal import Decimal

import pytest

from core import statements
from core.errors import AccessDenied
from tests.conftest import kyiv, register_consumer


def test_statement_of_the_seed_account(seed_world, sessions):
    _world, account = seed_world
    login_id = register_consumer(sessions, "olena@example.com", now=kyiv(2020, 3, 2))
    st = statements.statement_for_consumer(sessions, login_id, account)
    heating, hot_water = st.services
    assert heating.service == "heating"
    # 1866,66 to pay; 1500,00 + 1866,66 paid → overpaid by 1500,00.
    assert heating.charged == Decimal("1866.66") and heating.paid == Decimal("3366.66")
    assert heating.balance == Decimal("-1500.00")
    assert heating.latest_charge.amount == Decimal("2222.22")
    assert heating.latest_charge.discount_percent == Decimal("16.00")
    assert heating.latest_charge.discount_amount == Decimal("355.56")
    assert heating.latest_charge.amount_to_pay == Decimal("1866.66")
    assert heating.last_payment.amount == Decimal("1866.66")
    assert hot_water.balance == Decimal("0.00")
    assert [p.amount for p in st.payments] == [Decimal("412.37"), Decimal("1866.66"), Decimal("1500.00")]


def test_debt_is_positive(world, sessions):
    account = world.account()
    world.charge(account, "heating", dt.date(2020, 1, 1), "1000.00")
    world.charge(account, "heating", dt.date(2020, 2, 1), "900.00", discount="10")
    world.payment(account, "heating", "1000.00", kyiv(2020, 2, 10))
    with sessions() as s:
        st = statements.statement(s, account)
    assert st.services[0].balance == Decimal("810.00")


def test_statement_needs_a_link(seed_world, sessions):
    _world, account = seed_world
    with pytest.raises(AccessDenied):
        statements.statement_for_consumer(sessions, 12345, account)
