"""Stored and uploaded text on the screens of both apps renders as its literal characters: a staff member's name,
an uploaded file's name, an address and a meter number holding a Markdown link and remote image stay text."""

from __future__ import annotations

import datetime as dt

from streamlit.testing.v1 import AppTest

from core.staff import create_staff_user
from tests.app.conftest import ROOT, open_app
from tests.app.public_support import PASSWORD, click, fill
from tests.conftest import kyiv, register_consumer
from tests.unit.test_plain_text import ATTACK, rendered_text
from ui.plain import WORD_JOINER

SERIAL_ATTACK = "![m](http://attacker.invalid/m.png)"
TEXT_ELEMENTS = ("title", "subheader", "markdown", "caption", "success", "info", "warning", "error")


def rendered(at: AppTest) -> list[tuple[set[str], str]]:
    """Each Markdown element on the screen (sidebar included) as a browser would render it."""
    return [
        (kinds, text.replace(WORD_JOINER, ""))
        for kinds, text in (
            rendered_text(str(element.value)) for kind in TEXT_ELEMENTS for element in getattr(at, kind)
        )
    ]


def assert_literal(at: AppTest, literal: str) -> None:
    showing = [(kinds, text) for kinds, text in rendered(at) if literal in text]
    assert showing, f"{literal!r} is not shown as text: {[text for _k, text in rendered(at)]}"
    for kinds, text in rendered(at):
        assert not kinds & {"image", "link_open", "html_inline", "html_block"}, (text, kinds)
    assert not at.exception


def test_a_staff_members_name_is_shown_as_text(app_world):
    user = create_staff_user(app_world.sessions, "olena", "staff-pass-2026", "operator", full_name=ATTACK)
    at = AppTest.from_file(str(ROOT / "staff_dashboard.py"), default_timeout=30)
    at.session_state["staff_user_id"] = user.id
    at.run()
    assert_literal(at, ATTACK)


def test_an_uploaded_files_name_is_shown_as_text(app_world):
    app_world.account("1120200001000")
    user = create_staff_user(app_world.sessions, "oper", "staff-pass-2026", "operator")
    at = AppTest.from_file(str(ROOT / "pages" / "staff" / "imports.py"), default_timeout=30)
    at.session_state["staff_user_id"] = user.id
    at.run()
    name = ATTACK + ".csv"
    data = "account_number;service;amount;paid_at;payment_ref\n1120200001000;heating;100,00;2026-11-20;R-1\n"
    at.file_uploader[0].set_value((name, data.encode(), "text/csv")).run()
    assert_literal(at, f"Імпортувати файл «{name}»")


def test_an_address_and_a_meter_number_are_shown_as_text_to_the_consumer(app_world, fast_passwords):
    account = app_world.account("1120200001000", address=ATTACK)
    app_world.meter(account, SERIAL_ATTACK)
    app_world.window(dt.date(2026, 11, 1))
    app_world.payment(account, "heating", "1866.66", kyiv(2026, 10, 12))
    register_consumer(app_world.sessions, "olena@example.com", password=PASSWORD)
    at = open_app("public_app.py")
    fill(at, **{"Телефон або e-mail": "olena@example.com", "Пароль": PASSWORD})
    click(at, "Увійти")
    at.switch_page("pages/public/pay.py").run()
    assert_literal(at, ATTACK)
    at.switch_page("pages/public/readings.py").run()
    assert_literal(at, f"Лічильник № {SERIAL_ATTACK}")


def test_a_street_name_in_a_chart_is_text_not_a_link(app_world):
    import json

    street = '<a href="http://attacker.invalid/">вул. Тест</a>'
    account = app_world.account("1120200001000", address=f"{street}, 1")
    app_world.charge(account, "heating", dt.date(2026, 10, 1), "1500.00")
    analyst = create_staff_user(app_world.sessions, "analyst1", "staff-pass-2026", "analyst").id
    at = AppTest.from_file(str(ROOT / "pages" / "staff" / "explore.py"), default_timeout=30)
    at.session_state["staff_user_id"] = analyst
    at.run()
    at.multiselect[0].set_value(["street"]).run()
    [chart] = at.get("plotly_chart")
    figure = json.loads(chart.proto.spec)
    assert figure["data"][0]["x"] == ['&lt;a href="http://attacker.invalid/"&gt;вул. Тест&lt;/a&gt;']
