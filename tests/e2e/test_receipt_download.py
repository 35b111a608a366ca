"""The monthly receipt downloaded from My account in Chromium at phone width: a PDF with the account's numbers,
and with no requisites configured (the suite's clean environment) it says so and carries no QR code."""

from __future__ import annotations

import io

import pytest

from demo.generator import SEED_ACCOUNT
from tests.e2e.conftest import WINDOW_OPEN
from tests.e2e.harness import PHONE, copy_database, no_horizontal_scroll, register, running, screenshot


@pytest.fixture(scope="module")
def public(demo_database, tmp_path_factory):
    database = copy_database(demo_database, tmp_path_factory.mktemp("receipt"), "receipt.sqlite3")
    with running("public_app.py", database, WINDOW_OPEN) as server:
        yield server


def test_download_the_receipt_on_a_phone(browser, public):
    from pypdf import PdfReader

    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="uk-UA", accept_downloads=True
    )
    page = context.new_page()
    try:
        register(page, public.url, SEED_ACCOUNT, "+380991110088", amount="1866,66")
        button = page.get_by_role("button", name="Завантажити квитанцію (PDF)")
        button.scroll_into_view_if_needed()
        assert no_horizontal_scroll(page)
        screenshot(page, "phone-receipt-button")
        with page.expect_download() as download:
            button.click()
        assert download.value.suggested_filename.startswith(f"kvytantsiia-{SEED_ACCOUNT}-")
        pdf = PdfReader(io.BytesIO(download.value.path().read_bytes()))
        text = pdf.pages[0].extract_text().replace("\u00a0", " ")
        assert "Квитанція за" in text and SEED_ACCOUNT in text
        assert "Реквізити для оплати не налаштовано" in " ".join(text.split())
        assert len(pdf.pages[0].images) == 0
    finally:
        context.close()
