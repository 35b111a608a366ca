"""A closed account in the cabinet: still its consumer's, with its history and debt, but no readings form."""

import pytest

from core import register_import
from tests.app.public_support import SEED, build, logged_in_app, registered, shown

CLOSED = (
    "account_number;street;building;flat;residents;heating;hot_water;heated_area;closed_on\r\n"
    f"{SEED};вул. Гулака-Артемовського;20;1;2;1;1;62,40;2026-11-20\r\n"
).encode()


@pytest.fixture
def closed(app_world):
    cabinet = build(app_world)
    registered(app_world)
    done = register_import.commit(app_world.sessions, "accounts", "closed.csv", CLOSED, actor="operator1")
    assert done.rows_changed == 1
    return cabinet


def test_the_consumer_still_sees_the_closed_account_with_its_charges_and_debt(closed):
    at = logged_in_app(closed.world)
    text = shown(at)
    assert "Рахунок закрито 20.11.2026. Історію нарахувань, оплат і показань збережено; борг можна сплатити." in text
    assert SEED in text and "Борг 300,00\u00a0₴" in text.replace("\n", " ")
    assert not at.exception


def test_the_readings_screen_offers_no_form_for_a_closed_account(closed):
    at = logged_in_app(closed.world).switch_page("pages/public/readings.py").run()
    assert "Рахунок закрито 20.11.2026: показання за ним більше не приймаються." in shown(at)
    assert not at.text_input and not [b for b in at.button if b.label == "Надіслати показання"]
    assert not at.exception
