"""The NBU payment QR payload (format 003) as a pure function: field order, amounts, what it refuses."""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import payment_qr, receipt_data
from core.payment_qr import QrDataError, iban_is_valid, parse_qr_content, qr_amount, qr_content, qr_fields

IBAN = "UA213223130000026007233566001"  # check digits valid (ISO 13616)


def make_iban(bank_and_account: str) -> str:
    """A Ukrainian IBAN with the right check digits for 25 digits of bank code and account."""
    numeric = int(bank_and_account + "3010" + "00")  # U=30, A=10, check digits 00
    return f"UA{98 - numeric % 97:02d}{bank_and_account}"


# Text the format carries: Windows-1251 printable characters, no control characters, no NBSP.
printable = st.text(
    alphabet=st.characters(codec="cp1251", min_codepoint=32, exclude_characters="\x7f\x98\xa0"),
    min_size=1,
    max_size=60,
).filter(lambda s: s.strip())
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999999.99"), places=2)
edrpous = st.from_regex(r"\A[0-9]{8}\Z")
ibans = st.from_regex(r"\A[0-9]{25}\Z").map(make_iban)


@given(recipient=printable, iban=ibans, amount=amounts, edrpou=edrpous, purpose=printable)
def test_the_fields_come_back_in_the_rules_order(recipient, iban, amount, edrpou, purpose):
    content = qr_content(recipient=recipient, iban=iban, amount=amount, edrpou=edrpou, purpose=purpose)
    assert content.startswith("https://qr.bank.gov.ua/")
    fields = parse_qr_content(content)
    assert len(fields) == 17
    assert fields[:5] == ["BCD", "003", "2", "UCT", ""]  # service mark, version, Windows-1251, function, no BIC
    assert fields[5:10] == [recipient, iban, f"UAH{amount:.2f}", edrpou, "OTHR/OTHR"]
    assert fields[11] == purpose
    assert fields[10] == "" and fields[12:] == ["", "", "", "", ""]


@given(amount=amounts)
def test_amount_is_uah_a_point_and_two_decimals(amount):
    text = qr_amount(amount)
    assert text.startswith("UAH") and Decimal(text[3:]) == amount
    assert len(text.split(".")[1]) == 2 and "," not in text


def test_the_seeds_example_amount():
    assert qr_amount(Decimal("1866.66")) == "UAH1866.66"
    assert qr_amount(Decimal("100")) == "UAH100.00"


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-1.00"), Decimal("1000000000.00")])
def test_amounts_outside_the_format_are_refused(amount):
    with pytest.raises(QrDataError):
        qr_amount(amount)


@given(digits=st.from_regex(r"\A[0-9]{25}\Z"), position=st.integers(4, 28), delta=st.integers(1, 9))
def test_iban_check_digits_catch_any_single_wrong_digit(digits, position, delta):
    iban = make_iban(digits)
    assert iban_is_valid(iban)
    wrong = iban[:position] + str((int(iban[position]) + delta) % 10) + iban[position + 1 :]
    assert not iban_is_valid(wrong)


@given(bad=st.sampled_from(["рядок\nще один", "no-break\u00a0space", "емодзі 🙂", "   "]))
def test_a_purpose_that_would_shift_or_break_the_fields_is_refused(bad):
    with pytest.raises(QrDataError):
        qr_fields(recipient="ДКП", iban=IBAN, amount=Decimal("1.00"), edrpou="03356571", purpose=bad)


@pytest.mark.parametrize(
    "iban, edrpou",
    [
        ("UA213223130000026007233566002", "03356571"),
        ("DE89370400440532013000", "03356571"),
        (IBAN, "0335657"),
        (IBAN, "ЄДРПОУ123"),
    ],
)
def test_wrong_requisites_are_refused(iban, edrpou):
    with pytest.raises(QrDataError):
        qr_fields(recipient="ДКП", iban=iban, amount=Decimal("1.00"), edrpou=edrpou, purpose="Оплата")
    assert receipt_data.requisites("ДКП", edrpou, iban) is None


def test_purpose_names_the_service_the_account_and_the_month():
    assert (
        payment_qr.qr_purpose("heating", "1120200001000", dt.date(2020, 1, 1))
        == "Оплата за опалення, о/р 1120200001000, за 01.2020"
    )


def test_payload_is_base64url_of_windows_1251_without_padding():
    content = qr_content(
        recipient="ДКП «Луцьктепло»",
        iban=IBAN,
        amount=Decimal("1866.66"),
        edrpou="03356571",
        purpose="Оплата за опалення, о/р 1120200001000, за 01.2020",
    )
    encoded = content.removeprefix("https://qr.bank.gov.ua/")
    assert "=" not in encoded and "+" not in encoded and "/" not in encoded
    raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    assert raw.startswith(b"BCD\n003\n2\nUCT\n\n\xc4\xca\xcf ")  # "ДКП " in Windows-1251
    assert b"\nUAH1866.66\n03356571\n" in raw


def test_missing_requisites_mean_none():
    assert receipt_data.requisites("", "", "") is None
    assert receipt_data.requisites(
        "ДКП «Луцьктепло»", "03356571", "UA21 3223 1300 0002 6007 2335 6600 1"
    ) == receipt_data.Requisites("ДКП «Луцьктепло»", "03356571", IBAN)
