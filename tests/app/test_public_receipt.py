"""My account offers the month's receipt as a PDF for every month with charges."""

import datetime as dt

import pytest

from tests.app.public_support import build, logged_in_app, registered


@pytest.fixture
def at(app_world):
    build(app_world)  # charges for January 2020 and October 2026
    registered(app_world)
    return logged_in_app(app_world)


def download_buttons(at):
    return list(at.get("download_button"))


def test_the_receipt_can_be_downloaded_for_each_month_with_charges(at):
    months = [s for s in at.selectbox if s.label == "Місяць"]
    assert months, [s.label for s in at.selectbox]
    assert months[0].options == ["жовтень 2026", "січень 2020"]
    buttons = download_buttons(at)
    assert len(buttons) == 1
    assert buttons[0].proto.label == "Завантажити квитанцію (PDF)"
    months[0].set_value(dt.date(2020, 1, 1)).run()
    assert not at.exception
    assert download_buttons(at)[0].proto.label == "Завантажити квитанцію (PDF)"


def test_the_receipt_section_speaks_english(at):
    at.session_state["lang"] = "en"
    at.session_state["lang_chosen"] = True
    at.run()
    assert [element.proto.label for element in download_buttons(at)] == ["Download the receipt (PDF)"]
