"""The monthly receipt: the month's numbers per service from the database (SQLite and PostgreSQL), the PDF's text,
and the payment QR code read back from the PDF's image by zbar, field by field."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import payment_qr, receipt_data, receipts
from core.errors import AccessDenied, DomainError
from tests.conftest import kyiv, register_consumer

JANUARY, DECEMBER = dt.date(2020, 1, 1), dt.date(2019, 12, 1)
PAYEE = receipt_data.Requisites("ДКП «Луцьктепло»", "03356571", "UA213223130000026007233566001")
PASSWORD = "тепла-зима-2020"


def require_tool(available: bool, reason: str) -> None:
    """Skip with the reason when a system package is missing, unless the CI run demands every check."""
    if available:
        return
    if os.environ.get("TEPLO_REQUIRE_BROWSER"):
        pytest.fail(f"TEPLO_REQUIRE_BROWSER is set but {reason}")
    pytest.skip(reason)


def require_fonts() -> None:
    require_tool(receipts.fonts_available(), "the DejaVu fonts are missing (apt-get install fonts-dejavu-core)")


def require_zbar() -> None:
    require_tool(shutil.which("zbarimg") is not None, "zbarimg is missing (apt-get install zbar-tools)")


@pytest.fixture
def billed(world):
    """December: heating 2000,00, hot water 300,00. January: heating 2222,22 − 16 % = 1866,66, hot water 412,37.
    Heating 2000,00 paid in January (December's bill), so January ends owing 1866,66; hot water 800,00 paid in
    December, so January ends 87,63 overpaid. A February payment does not belong to January's receipt."""
    account = world.account()
    meter = world.meter(account, serial="0812345")
    world.charge(account, "heating", DECEMBER, "2000.00")
    world.charge(account, "hot_water", DECEMBER, "300.00")
    world.charge(account, "heating", JANUARY, "2222.22", discount="16")
    world.charge(account, "hot_water", JANUARY, "412.37", volume="2.500")
    world.payment(account, "hot_water", "800.00", kyiv(2019, 12, 20))
    world.payment(account, "heating", "2000.00", kyiv(2020, 1, 10))
    world.payment(account, "heating", "1866.66", kyiv(2020, 2, 12))
    window = world.window(JANUARY)
    world.reading(meter, window, "150.000", kyiv(2020, 1, 28, 9), consumption="2.500")
    login_id = register_consumer(world.sessions, "olena@example.com", password=PASSWORD, now=kyiv(2020, 3, 2))
    return account, login_id


def plain(text: str) -> str:
    """No-break spaces as spaces, and runs of spaces (a justified line) as one."""
    return re.sub(r" +", " ", text.replace("\u00a0", " ").replace("\u202f", " "))


def pdf_text_and_images(pdf: bytes) -> tuple[str, list[bytes]]:
    from pypdf import PdfReader

    page = PdfReader(io.BytesIO(pdf)).pages[0]
    return plain(page.extract_text()), [image.data for image in page.images]


def scan(png: bytes, tmp_path) -> str:
    path = tmp_path / "qr.png"
    path.write_bytes(png)
    result = subprocess.run(["zbarimg", "--quiet", "--raw", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_months_numbers_per_service(billed, sessions):
    account, login_id = billed
    receipt = receipt_data.receipt_for_consumer(sessions, login_id, account, JANUARY)
    heating, hot_water = receipt.services
    assert (heating.service, heating.amount, heating.discount_percent, heating.discount_amount, heating.to_pay) == (
        "heating",
        Decimal("2222.22"),
        Decimal("16"),
        Decimal("355.56"),
        Decimal("1866.66"),
    )
    assert (heating.opening, heating.paid, heating.balance, heating.due) == (
        Decimal("2000.00"),
        Decimal("2000.00"),
        Decimal("1866.66"),
        Decimal("1866.66"),
    )
    assert (hot_water.opening, hot_water.to_pay, hot_water.paid, hot_water.balance, hot_water.due) == (
        Decimal("-500.00"),
        Decimal("412.37"),
        Decimal("0.00"),
        Decimal("-87.63"),
        Decimal("0.00"),
    )
    assert [(r.serial, r.value, r.consumption) for r in receipt.readings] == [
        ("0812345", Decimal("150.000"), Decimal("2.500"))
    ]
    assert receipt_data.months_with_charges(sessions, login_id, account) == [JANUARY, DECEMBER]


def test_only_the_accounts_own_login_gets_a_receipt_and_only_for_a_billed_month(billed, world, sessions):
    account, login_id = billed
    other = world.account("1120200002000", address="просп. Волі, 3, кв. 9")
    world.payment(other, "heating", "999.99", kyiv(2020, 2, 20))
    stranger = register_consumer(
        sessions, "stranger@example.com", number="1120200002000", amount="999,99", password=PASSWORD
    )
    with pytest.raises(AccessDenied):
        receipt_data.receipt_for_consumer(sessions, stranger, account, JANUARY)
    with pytest.raises(DomainError) as err:
        receipt_data.receipt_for_consumer(sessions, login_id, account, dt.date(2020, 2, 1))
    assert err.value.message("uk") == "За цей місяць нарахувань немає."


def test_the_pdf_holds_the_requisites_the_amounts_and_the_readings(billed, sessions):
    require_fonts()
    account, login_id = billed
    receipt = receipt_data.receipt_for_consumer(sessions, login_id, account, JANUARY)
    text, _ = pdf_text_and_images(receipts.render_pdf(receipt, PAYEE, "uk", now=kyiv(2020, 2, 3, 10)))
    for expected in (
        "Квитанція за січень 2020",
        "Отримувач: ДКП «Луцьктепло»",
        "Код ЄДРПОУ: 03356571",
        "IBAN: UA213223130000026007233566001",
        "Особовий рахунок: 1120200001000",
        "вул. Гулака-Артемовського, 20, кв. 1",
        "2 222,22 ₴",
        "16 % / 355,56 ₴",
        "1 866,66 ₴",
        "борг 1 866,66 ₴",
        "412,37 ₴",
        "переплата 87,63 ₴",
        "0812345",
        "150,000 м³",
        "2,500 м³",
        "28.01.2020",
        "Опалення: 1 866,66 ₴",
    ):
        assert expected in text, expected
    english, _ = pdf_text_and_images(receipts.render_pdf(receipt, PAYEE, "en"))
    assert "Receipt for January 2020" in english and "debt 1,866.66 ₴" in english
    assert "overpaid 87.63 ₴" in english


def test_the_qr_code_read_back_from_the_pdf_carries_every_field(billed, sessions, tmp_path):
    require_fonts()
    require_zbar()
    account, login_id = billed
    receipt = receipt_data.receipt_for_consumer(sessions, login_id, account, JANUARY)
    _, images = pdf_text_and_images(receipts.render_pdf(receipt, PAYEE, "uk"))
    assert len(images) == 1  # heating is owed; hot water is overpaid and gets no code
    fields = payment_qr.parse_qr_content(scan(images[0], tmp_path))
    assert fields == [
        "BCD",
        "003",
        "2",
        "UCT",
        "",
        "ДКП «Луцьктепло»",
        "UA213223130000026007233566001",
        "UAH1866.66",
        "03356571",
        "OTHR/OTHR",
        "",
        "Оплата за опалення, о/р 1120200001000, за 01.2020",
        "",
        "",
        "",
        "",
        "",
    ]


def test_without_requisites_the_receipt_says_so_and_has_no_qr_code(billed, sessions):
    require_fonts()
    account, login_id = billed
    assert receipt_data.requisites("", "", "") is None
    receipt = receipt_data.receipt_for_consumer(sessions, login_id, account, JANUARY)
    text, images = pdf_text_and_images(receipts.render_pdf(receipt, None, "uk"))
    assert "Реквізити для оплати не налаштовано" in text
    assert "1 866,66 ₴" in text
    assert images == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    amount=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999999.99"), places=2),
    month=st.dates(min_value=dt.date(2019, 1, 1), max_value=dt.date(2040, 12, 1)),
    service=st.sampled_from(["heating", "hot_water"]),
    number=st.from_regex(r"\A[0-9]{13}\Z"),
    name=st.sampled_from(["ДКП", "ДКП «Луцьктепло»", "Комунальне підприємство «Теплокомуненерго» м. Луцьк"]),
)
def test_every_rendered_code_scans_back_whatever_its_size(tmp_path, amount, month, service, number, name):
    """Codes of every size the receipt makes (version 10-17, the hryvnia sign in the middle) read back whole."""
    require_fonts()
    require_zbar()
    purpose = payment_qr.qr_purpose(service, number, month)
    content = payment_qr.qr_content(
        recipient=name, iban=PAYEE.iban, amount=amount, edrpou=PAYEE.edrpou, purpose=purpose
    )
    fields = payment_qr.parse_qr_content(scan(receipts.qr_png(content), tmp_path))
    assert (fields[5], fields[7], fields[11]) == (name, f"UAH{amount:.2f}", purpose)


def test_the_cabinets_download_uses_the_settings(billed, sessions, monkeypatch):
    """What My account's button serves: the settings' requisites (none here, so no QR code)."""
    require_fonts()
    account, login_id = billed
    monkeypatch.setattr(receipts, "requisites", lambda: None)
    text, images = pdf_text_and_images(receipts.pdf_for_consumer(sessions, login_id, account, JANUARY, "en"))
    assert "The payment requisites are not configured" in text and images == []
    monkeypatch.setattr(receipts, "requisites", lambda: PAYEE)
    text, images = pdf_text_and_images(receipts.pdf_for_consumer(sessions, login_id, account, JANUARY, "en"))
    assert "Recipient: ДКП «Луцьктепло»" in text and len(images) == 1
