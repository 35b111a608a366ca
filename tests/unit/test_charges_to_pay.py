"""The charge rule: to pay = charge × (1 − discount/100), rounded half up to the kopeck."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.charges import discount_amount, to_pay

charges = st.decimals(min_value=Decimal("0"), max_value=Decimal("9999999999.99"), places=2)
percents = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2)


def test_the_seeds_example():
    assert to_pay(Decimal("2222.22"), Decimal("16")) == Decimal("1866.66")
    assert discount_amount(Decimal("2222.22"), Decimal("16")) == Decimal("355.56")


@pytest.mark.parametrize(
    "charge, percent, expected",
    [
        ("0.01", "50", "0.01"),  # 0,005 rounds up, not to the even 0,00
        ("0.03", "50", "0.02"),  # 0,015 up
        ("100.00", "33.33", "66.67"),
        ("2222.22", "0", "2222.22"),
        ("2222.22", "100", "0.00"),
    ],
)
def test_half_up_to_the_kopeck(charge, percent, expected):
    assert to_pay(Decimal(charge), Decimal(percent)) == Decimal(expected)


@given(charges, percents)
def test_within_half_a_kopeck_of_the_exact_value_and_never_above_the_charge(charge, percent):
    paid = to_pay(charge, percent)
    exact = charge * (100 - percent) / 100
    assert paid.as_tuple().exponent == -2
    assert abs(paid - exact) <= Decimal("0.005")
    assert Decimal("0") <= paid <= charge


@given(charges, percents)
def test_to_pay_and_the_discount_add_up_to_the_charge(charge, percent):
    assert to_pay(charge, percent) + discount_amount(charge, percent) == charge


@given(charges, percents, percents)
def test_a_larger_discount_never_leaves_more_to_pay(charge, low, high):
    low, high = sorted((low, high))
    assert to_pay(charge, high) <= to_pay(charge, low)


@given(charges)
def test_no_discount_pays_the_charge_and_a_full_one_nothing(charge):
    assert to_pay(charge, Decimal("0")) == charge and to_pay(charge, Decimal("100")) == 0


@pytest.mark.parametrize("percent", ["-0.01", "100.01"])
def test_a_discount_outside_0_100_is_refused(percent):
    with pytest.raises(ValueError):
        to_pay(Decimal("10.00"), Decimal(percent))
