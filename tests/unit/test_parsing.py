from decimal import Decimal

import pytest

from core.errors import DomainError
from core.parsing import parse_account_number, parse_amount, parse_login, parse_reading


@pytest.mark.parametrize("typed", ["1120200001000", " 1120200001000 ", "112 0200 001 000", "112-0200-001-000"])
def test_account_number_accepts_spaces_and_dashes(typed):
    assert parse_account_number(typed) == "1120200001000"


@pytest.mark.parametrize(
    "typed,key",
    [
        ("", "account.empty"),
        ("112020000100", "account.format"),
        ("11202000010000", "account.format"),
        ("112020000100O", "account.format"),
        ("1120200001000; drop", "account.format"),
    ],
)
def test_account_number_rejects_anything_else(typed, key):
    with pytest.raises(DomainError) as err:
        parse_account_number(typed)
    assert err.value.key == key
    assert "13" in err.value.message("uk") or err.value.key == "account.empty"


@pytest.mark.parametrize(
    "typed", ["1866,66", "1866.66", "1 866,66", "1\u00a0866,66", "1866,66 грн", "1866,66 ₴", " 1866.66 "]
)
def test_amount_in_ukrainian_notation(typed):
    assert parse_amount(typed) == Decimal("1866.66")


def test_amount_without_kopecks():
    assert parse_amount("1866") == Decimal("1866.00")


@pytest.mark.parametrize(
    "typed,key",
    [
        ("", "amount.empty"),
        ("abc", "amount.format"),
        ("1866,666", "amount.precision"),
        ("0", "amount.positive"),
        ("-5", "amount.positive"),
        ("1,866.66", "amount.format"),
        ("100000,01", "amount.too_large"),
        ("1e3", "amount.format"),
    ],
)
def test_amount_rejections(typed, key):
    with pytest.raises(DomainError) as err:
        parse_amount(typed)
    assert err.value.key == key


def test_amount_messages_have_english():
    with pytest.raises(DomainError) as err:
        parse_amount("abc")
    assert "1866,66" in err.value.message("uk") and "amount" in err.value.message("en")


@pytest.mark.parametrize(
    "typed,value", [("123,456", "123.456"), ("123.4", "123.400"), ("0", "0.000"), ("1 234,5", "1234.500")]
)
def test_reading_values(typed, value):
    assert parse_reading(typed) == Decimal(value)


@pytest.mark.parametrize(
    "typed,key",
    [
        ("", "reading.empty"),
        ("12,3456", "reading.precision"),
        ("-1", "reading.negative"),
        ("x", "reading.format"),
        ("1000000", "reading.too_large"),
    ],
)
def test_reading_rejections(typed, key):
    with pytest.raises(DomainError) as err:
        parse_reading(typed)
    assert err.value.key == key


@pytest.mark.parametrize(
    "typed,login",
    [
        ("067 123 45 67", "+380671234567"),
        ("+38 (067) 123-45-67", "+380671234567"),
        ("380671234567", "+380671234567"),
        ("Olena@Example.com", "olena@example.com"),
    ],
)
def test_login_normalised(typed, login):
    assert parse_login(typed) == login


@pytest.mark.parametrize("typed", ["", "12345", "olena@", "not a login", "+1 555 123 4567"])
def test_login_rejected(typed):
    with pytest.raises(DomainError):
        parse_login(typed)


@pytest.mark.parametrize(
    "parse, typed",
    [
        (parse_amount, "٣٤"),
        (parse_amount, "１２３"),
        (parse_amount, "1 ８６６,６６"),
        (parse_reading, "١٢٣,٤٥٦"),
        (parse_account_number, "١١٢٠٢٠٠٠٠١٠٠٠"),
        (parse_account_number, "１１２０２０００１０００"),
        (parse_login, "０６７ １２３ ４５ ６７"),
    ],
)
def test_digits_of_other_scripts_are_refused_with_one_message(parse, typed):
    with pytest.raises(DomainError) as err:
        parse(typed)
    assert err.value.key == "digits.non_ascii"
    assert "0–9" in err.value.message("uk") and "0–9" in err.value.message("en")
