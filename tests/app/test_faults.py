"""A fault under a page (the database unreachable, or a bug) is a short message in the visitor's language inside
the normal page: the header and the menu stay, and no traceback or exception text reaches the screen."""

from __future__ import annotations

import pytest
import streamlit as st
from sqlalchemy.exc import OperationalError
from streamlit.testing.v1 import AppTest

import core.dashboard
import core.windows
from core.staff import create_staff_user
from tests.app.conftest import ROOT
from tests.app.public_support import build, logged_in_app, registered

UNAVAILABLE_UK = "Сервіс тимчасово недоступний, спробуйте за хвилину."
UNAVAILABLE_EN = "The service is temporarily unavailable, please try again in a minute."
SERVER_DETAILS = ("OperationalError", "Traceback", "/work/", ".py", "connection refused")


def database_down(*_args, **_kwargs):
    raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused (127.0.0.1:5432)"))


def everything_shown(at: AppTest) -> str:
    parts = [
        str(e.value)
        for kind in ("title", "subheader", "markdown", "caption", "text", "error", "warning", "info", "success")
        for e in getattr(at, kind)
    ]
    return "\n".join(parts)


@pytest.fixture
def consumer(app_world, fast_passwords):
    build(app_world)
    registered(app_world)
    return app_world


@pytest.mark.parametrize("lang, expected", [("uk", UNAVAILABLE_UK), ("en", UNAVAILABLE_EN)])
def test_consumer_page_keeps_header_and_menu_when_the_database_is_down(consumer, monkeypatch, lang, expected):
    at = logged_in_app(consumer)
    if lang == "en":
        at.session_state["lang"] = "en"
        at.session_state["lang_chosen"] = True
    monkeypatch.setattr(core.windows, "window_status", database_down)
    at.switch_page("pages/public/readings.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == [expected]
    assert any("Кабінет споживача" in m.value or "Consumer cabinet" in m.value for m in at.markdown)  # the header
    assert len(at.get("page_link")) >= 4  # the menu: account, readings, pay, profile
    assert not [detail for detail in SERVER_DETAILS if detail in everything_shown(at)]

    monkeypatch.undo()  # the database is back: the same page works again without a reload
    at.run()
    assert not at.exception and not at.error
    assert any("Лічильник" in s.value or "Meter" in s.value for s in at.subheader)


def test_consumer_page_with_a_bug_shows_a_sentence_not_a_traceback(consumer, monkeypatch):
    at = logged_in_app(consumer)

    def bug(*_args, **_kwargs):
        raise ValueError("secret detail at /srv/teplo/core/windows.py")

    monkeypatch.setattr(core.windows, "window_status", bug)
    at.switch_page("pages/public/readings.py").run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Сталася помилка. Спробуйте ще раз; якщо вона повториться, зверніться до ДКП «Луцьктепло»."
    ]
    assert "secret detail" not in everything_shown(at)


def test_staff_page_keeps_the_menu_when_the_database_is_down(app_world, monkeypatch):
    manager = create_staff_user(app_world.sessions, "manager1", "staff-pass-2026", "manager", full_name="Олена")
    at = AppTest.from_file(str(ROOT / "staff_dashboard.py"), default_timeout=30)
    at.session_state["staff_user_id"] = manager.id
    at.run()
    assert not at.exception

    monkeypatch.setattr(core.dashboard, "overview", database_down)
    st.cache_data.clear()  # the figures are not in the five-minute cache
    at.run()  # the overview's figures cannot be read
    assert not at.exception and [e.value for e in at.error] == [UNAVAILABLE_UK]
    assert [c.value for c in at.sidebar.caption] == ["Олена · Керівник"]

    import ui.staff_access

    monkeypatch.setattr(ui.staff_access, "get_staff_user", database_down)
    at.run()  # not even the user can be read: the menu of the user this tab knew, and the message
    assert not at.exception and [e.value for e in at.error] == [UNAVAILABLE_UK]
    assert [c.value for c in at.sidebar.caption] == ["Олена · Керівник"]
    assert not [detail for detail in SERVER_DETAILS if detail in everything_shown(at)]

    monkeypatch.undo()
    at.run()
    assert not at.exception and not at.error and [t.value for t in at.title] == ["Огляд"]


def test_switching_the_language_with_the_database_down_keeps_the_page(consumer, monkeypatch):
    import ui.public_shell

    at = logged_in_app(consumer)
    monkeypatch.setattr(ui.public_shell, "set_language", database_down)
    monkeypatch.setattr(core.windows, "window_status", database_down)
    at.switch_page("pages/public/readings.py").run()
    at.get("button_group")[0].set_value("en").run()  # the УКР / ENG switch in the header
    assert not at.exception
    assert [e.value for e in at.error] == [UNAVAILABLE_EN]
    assert len(at.get("page_link")) >= 4
