"""Rounding half up everywhere, and every amount or volume shown in a language reads back in that language
(issue 10, items 16 and 17)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import formatting
from core.config import settings
from core.errors import DomainError
from core.parsing import parse_amount, parse_reading

LANGUAGES = ("uk", "en")
amounts = st.decimals(min_value=Decimal("0.01"), max_value=settings().max_payment, places=2)
volumes = st.decimals(min_value=Decimal("0"), max_value=Decimal("999999.999"), places=3)


@given(amount=amounts, lang=st.sampled_from(LANGUAGES))
def test_an_amount_shown_reads_back_as_the_same_decimal(amount, lang):
    assert parse_amount(formatting.money(amount, lang), lang=lang) == amount


@given(value=volumes, lang=st.sampled_from(LANGUAGES))
def test_a_volume_shown_reads_back_as_the_same_decimal(value, lang):
    assert parse_reading(formatting.volume(value, lang), lang=lang) == value


@pytest.mark.parametrize("typed", ["1,866.66", "1,866.66 ₴", "1866.66", "1 866.66", "1866,66"])
def test_english_amounts_as_shown_and_as_typed(typed):
    assert parse_amount(typed, lang="en") == Decimal("1866.66")


def test_english_comma_groups_thousands_and_ukrainian_comma_is_the_decimal_one():
    assert parse_amount("1,866", lang="en") == Decimal("1866.00")
    assert parse_reading("1,234.5 m³", lang="en") == Decimal("1234.500")
    with pytest.raises(DomainError) as err:
        parse_amount("1,866", lang="uk")
    assert err.value.key == "amount.precision"


@pytest.mark.parametrize(
    "value,uk,en",
    [
        ("0.125", "0,13\u00a0₴", "0.13\u00a0₴"),
        ("0.135", "0,14\u00a0₴", "0.14\u00a0₴"),
        ("2.675", "2,68\u00a0₴", "2.68\u00a0₴"),
        ("-0.125", "-0,13\u00a0₴", "-0.13\u00a0₴"),
    ],
)
def test_money_is_shown_rounded_half_up(value, uk, en):
    assert (formatting.money(Decimal(value)), formatting.money(Decimal(value), "en")) == (uk, en)


def test_volumes_numbers_and_percent_are_shown_rounded_half_up():
    assert formatting.volume(Decimal("1.0005")) == "1,001\u00a0м³"
    assert formatting.number(Decimal("2.5")) == "3"
    assert formatting.number(Decimal("0.125"), places=2) == "0,13"
    assert formatting.percent(Decimal("16.125")) == "16,13\u00a0%"


def test_english_messages_carry_english_numbers():
    with pytest.raises(DomainError) as err:
        parse_amount("100001", maximum=Decimal("100000.00"), lang="en")
    assert "100,000.00\u00a0₴" in err.value.message("en")
    assert "100\u00a0000,00\u00a0₴" in err.value.message("uk")
    assert "1866.66" in DomainError("amount.format").message("en")
    assert "123.456" in DomainError("reading.format").message("en")


# What Babel itself writes for an amount in either language (with and without grouping) reads back as that amount.
@given(amount=amounts, lang=st.sampled_from(LANGUAGES), group=st.booleans())
def test_babel_numbers_in_either_language_read_back_as_themselves(amount, lang, group):
    from babel.numbers import format_decimal

    shown = format_decimal(
        amount, format="#,##0.##", locale={"uk": "uk_UA", "en": "en_GB"}[lang], group_separator=group
    )
    assert parse_amount(shown, lang=lang) == amount


# `0,001` groups nothing (its first group starts with 0): a decimal comma in English as in Ukrainian, so an amount
# with three places is refused in both languages rather than read as 1 hryvnia in English.
@given(digits=st.text("0123456789", min_size=3, max_size=3), lang=st.sampled_from(LANGUAGES))
def test_a_comma_after_a_zero_is_never_a_grouping(digits, lang):
    with pytest.raises(DomainError) as err:
        parse_amount(f"0,{digits}", lang=lang)
    assert err.value.key == "amount.precision"
    assert parse_reading(f"0,{digits}", lang=lang) == Decimal(f"0.{digits}")


# Two or more commas are a grouping only if every group after the first has three digits; anything else is refused.
@given(
    first=st.integers(min_value=1, max_value=999),
    groups=st.lists(st.text("0123456789", min_size=1, max_size=5), min_size=2, max_size=4).filter(
        lambda gs: any(len(g) != 3 for g in gs)
    ),
    lang=st.sampled_from(LANGUAGES),
)
def test_malformed_groupings_are_refused(first, groups, lang):
    typed = ",".join([str(first), *groups])
    with pytest.raises(DomainError) as err:
        parse_amount(typed, maximum=Decimal(10) ** 30, lang=lang)
    assert err.value.key == "amount.format"


@pytest.mark.parametrize(
    "typed,amount",
    [("0,001", None), ("12,345", "12345.00"), ("1,5", "1.50"), ("12,34", "12.34"), ("1 234.56", "1234.56")],
)
def test_english_commas_as_the_tester_typed_them(typed, amount):
    if amount is None:
        with pytest.raises(DomainError) as err:
            parse_amount(typed, lang="en")
        assert err.value.key == "amount.precision"
    else:
        assert parse_amount(typed, lang="en") == Decimal(amount)
