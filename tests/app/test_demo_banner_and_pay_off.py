"""Demo mode says so on every screen of both apps; production shows no banner and, with no payment provider
configured, a Pay screen that says online payment is not configured (AppTest)."""

from __future__ import annotations

import pytest

from tests.app.conftest import open_app
from tests.app.test_pay import app, cabinet, text_of  # noqa: F401  (cabinet is a fixture)

BANNER_UK = "Демонстраційний режим: дані вигадані, гроші не списуються"
BANNER_EN = "Demo mode: the data is made up, no money is taken"


@pytest.fixture
def production(configure, app_sessions):
    configure(TEPLO_DEMO=None, LIQPAY_PUBLIC_KEY=None, LIQPAY_PRIVATE_KEY=None, TEPLO_ONLINE_PAYMENTS=None)
    return app_sessions


def warnings(at) -> list[str]:
    return [str(w.value) for w in at.warning]


def test_demo_banner_in_both_apps_and_both_languages(app_sessions, demo_mode):
    public = open_app("public_app.py")
    assert BANNER_UK in warnings(public)
    public.session_state["lang"] = "en"
    public.session_state["lang_chosen"] = True
    public.run()
    assert BANNER_EN in warnings(public)
    staff = open_app("staff_dashboard.py")
    assert BANNER_UK in warnings(staff)


def test_no_banner_in_production(production):
    assert not any("Демонстраційний" in w for w in warnings(open_app("public_app.py")))
    assert not any("Демонстраційний" in w for w in warnings(open_app("staff_dashboard.py")))


def test_pay_screen_in_production_says_online_payment_is_not_configured(production, cabinet):
    _sessions, _account, login_id = cabinet
    at = app(login_id)
    assert not at.exception
    text = text_of(at)
    assert "Онлайн-оплату через кабінет не налаштовано" in text
    assert not [b for b in at.button if "демонстрація" in b.label]
    english = text_of(app(login_id, lang="en"))
    assert "Online payment through the cabinet is not configured" in english
