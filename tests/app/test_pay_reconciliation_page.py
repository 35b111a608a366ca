"""The staff reconciliation page: registry rows needing a look and cabinet payments the bank has not reported."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from streamlit.testing.v1 import AppTest

from core import payment_callbacks, payment_providers, payments, reconciliation
from core.staff import create_staff_user
from db.models import ConsumerAccountLink, ConsumerLogin
from tests.app.conftest import ROOT
from tests.conftest import kyiv

PAGE = str(ROOT / "pages" / "staff" / "reconciliation.py")
NOW = kyiv(2026, 11, 27, 12)  # the pinned business clock of the app tests


def page_for(user_id: int) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.session_state["staff_user_id"] = user_id
    return at.run()


def test_lists_unmatched_rows_and_unconfirmed_cabinet_payments(app_world, demo_mode):
    sessions = app_world.sessions
    account = app_world.account("1120200001000")
    with sessions.begin() as s:
        login = ConsumerLogin(login="olena@example.com", password_hash="-", language="uk", created_at=NOW)
        s.add(login)
        s.flush()
        s.add(ConsumerAccountLink(login_id=login.id, account_id=account, method="payment", linked_at=NOW))
    paid = payments.create_intent(sessions, login.id, account, "heating", "1866,66", provider="demo", now=NOW)
    payments.demo_settle(sessions, login.id, paid.order_id, True, payment_providers.PaymentSettings.load(), now=NOW)
    with sessions.begin() as s:
        outcome = reconciliation.credit_registry_payment(
            s,
            account_id=account,
            service="hot_water",
            amount=Decimal("87.45"),
            paid_at=NOW - dt.timedelta(days=1),
            channel="bank",
            source="bank_registry",
            external_ref="B-77",
            order_id="TC-20261126-LOST",
        )
    assert outcome == "added"
    settings = payment_providers.PaymentSettings.load()
    taken_back = payments.create_intent(sessions, login.id, account, "hot_water", "250,00", provider="demo", now=NOW)
    payments.demo_settle(sessions, login.id, taken_back.order_id, True, settings, now=NOW)
    demo = payment_providers.DemoProvider(settings.demo_keys, settings.public_base_url)
    assert (
        payment_callbacks.handle_callback(
            sessions, *demo.callback(taken_back.order_id, Decimal("250.00"), "reversed"), settings, now=NOW
        ).outcome
        == "reversed"
    )
    admin = create_staff_user(sessions, "admin1", "staff-pass-2026", "admin").id

    at = page_for(admin)
    assert not at.exception
    assert [s.value for s in at.subheader] == [
        "Рядки реєстрів, що потребують уваги: 1",
        "Оплати через кабінет, яких ще немає в реєстрах: 1",
        "Повернені оплати (сторно): 1",
    ]
    issues, unconfirmed, reversals = (df.value for df in at.dataframe)
    assert list(issues["Причина"]) == ["Невідомий номер замовлення"]
    assert list(issues["Номер замовлення"]) == ["TC-20261126-LOST"] and list(issues["Зараховано"]) == ["так"]
    assert list(unconfirmed["Номер замовлення"]) == [paid.order_id]
    assert list(reversals["Сума"]) == ["-250,00\u00a0₴"] and list(reversals["Номер запису"]) == [taken_back.order_id]
    assert [b.label for b in at.get("download_button")] == ["Завантажити CSV"] * 3


def test_page_is_refused_to_a_role_without_reconciliation(app_world):
    operator = create_staff_user(app_world.sessions, "operator1", "staff-pass-2026", "operator").id
    at = page_for(operator)
    assert [e.value for e in at.error] == ["Ця сторінка недоступна для вашої ролі."]
    assert not at.dataframe
