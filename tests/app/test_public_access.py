"""A consumer sees and acts only on the accounts linked to its own login."""

import pytest

from core.errors import AccessDenied
from core.readings import submit_reading
from core.statements import statement_for_consumer
from tests.app.conftest import open_app
from tests.app.public_support import build, logged_in_app, registered, shown


@pytest.fixture
def cabinet(app_world):
    cabinet = build(app_world)
    registered(app_world)
    return cabinet


@pytest.mark.parametrize("page", ["pages/public/account.py", "pages/public/readings.py"])
def test_a_foreign_account_id_in_the_session_falls_back_to_the_own_account(cabinet, page):
    at = logged_in_app(cabinet.world)
    at.session_state["account_id"] = cabinet.other  # e.g. a tampered or stale choice
    at.switch_page(page).run()
    text = shown(at)
    assert "просп. Волі" not in text and "0999999" not in text and "1120200002000" not in text
    assert not at.exception


def test_core_refuses_to_read_or_write_a_foreign_account(cabinet, app_sessions):
    login_id = registered(cabinet.world, "third@example.com")
    with pytest.raises(AccessDenied):
        statement_for_consumer(app_sessions, login_id, cabinet.other)
    with pytest.raises(AccessDenied):
        submit_reading(app_sessions, login_id, cabinet.new_meter, "6,000")


@pytest.mark.parametrize("page", ["account", "readings", "pay", "profile", "add_account"])
def test_a_logged_out_visitor_opening_a_cabinet_page_gets_the_login_form(cabinet, page):
    at = open_app("public_app.py")
    assert at.title[0].value == "Вхід до кабінету"
    assert [link.label for link in at.get("page_link")] == ["Забули пароль?", "Зареєструватися"]  # visitor pages only
    at.switch_page(f"pages/public/{page}.py").run()
    assert at.title[0].value == "Вхід до кабінету"
    assert "Щоб відкрити цю сторінку, увійдіть" in shown(at)
    assert "1120200001000" not in shown(at) and "Гулака" not in shown(at)
