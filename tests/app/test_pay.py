"""The Pay screen, the demo provider page and the payment result, as a consumer uses them (AppTest)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from core import payment_callbacks, payment_providers, payments
from db.models import ConsumerAccountLink, ConsumerLogin, Payment, PaymentIntent
from tests.app.conftest import ROOT
from tests.conftest import kyiv

PAGES = ROOT / "pages" / "public"
pytestmark = pytest.mark.usefixtures("demo_mode")  # the demo provider stands in for LiqPay here
# The pages as the cabinet's navigation serves them (url paths as in public_app.py).
NAVIGATION = f"""
import streamlit as st
st.navigation([
    st.Page({str(PAGES / "pay.py")!r}, url_path="pay", default=True),
    st.Page({str(PAGES / "pay_demo.py")!r}, url_path="pay-demo"),
    st.Page({str(PAGES / "pay_result.py")!r}, url_path="pay-result"),
    st.Page({str(PAGES / "account.py")!r}, url_path="account"),
    st.Page({str(PAGES / "login.py")!r}, url_path="login"),
]).run()
"""


@pytest.fixture
def cabinet(app_world):
    """Heating 2222,22 − 16 % = 1866,66 charged, 1000,00 paid: 866,66 owed; hot water 412,37 owed."""
    world = app_world
    account = world.account("1120200001000")
    world.charge(account, "heating", dt.date(2026, 10, 1), "2222.22", discount="16")
    world.charge(account, "hot_water", dt.date(2026, 10, 1), "412.37")
    world.payment(account, "heating", "1000.00", kyiv(2026, 11, 10))
    with world.sessions.begin() as s:
        login = ConsumerLogin(login="olena@example.com", password_hash="-", language="uk", created_at=kyiv(2026, 1, 1))
        s.add(login)
        s.flush()
        s.add(ConsumerAccountLink(login_id=login.id, account_id=account, method="payment", linked_at=kyiv(2026, 1, 1)))
    return world.sessions, account, login.id


def app(login_id: int | None, lang: str = "uk", query: dict | None = None, page: str | None = None) -> AppTest:
    at = AppTest.from_string(NAVIGATION, default_timeout=30)
    if login_id is not None:
        at.session_state["login_id"] = login_id
    at.session_state["lang"] = lang
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(str(PAGES / page)).run()
    return at


def text_of(at: AppTest) -> str:
    parts: list[str] = []
    for kind in ("title", "subheader", "markdown", "text", "caption", "success", "info", "warning", "error"):
        parts.extend(str(e.value) for e in getattr(at, kind))
    parts.extend(f"{m.label} {m.value}" for m in at.metric)
    return "\n".join(parts).replace("\xa0", " ")


def button(at: AppTest, label: str):
    found = [b for b in at.button if b.label.replace("\xa0", " ") == label]
    assert found, [b.label for b in at.button]
    return found[0]


def submit(at: AppTest, amount: str | None = None) -> AppTest:
    if amount is not None:
        at.text_input[0].input(amount)
    at.button[0].click()
    return at.run()


def intents(sessions) -> list[PaymentIntent]:
    with sessions() as s:
        return list(s.scalars(select(PaymentIntent).order_by(PaymentIntent.id)))


def cabinet_payments(sessions) -> list[tuple[str, Decimal]]:
    with sessions() as s:
        return [(p.service, p.amount) for p in s.scalars(select(Payment).where(Payment.channel == "cabinet"))]


def test_pay_screen_offers_the_accounts_services_with_the_debt_and_no_commission(cabinet):
    _sessions, _account, login_id = cabinet
    at = app(login_id)
    assert not at.exception
    shown = text_of(at)
    assert "Без комісії" in shown and "1120200001000" in shown
    assert [o.replace("\xa0", " ") for o in at.radio[0].options] == [
        "Опалення — борг 866,66 ₴",
        "Гаряча вода — борг 412,37 ₴",
    ]
    assert at.text_input[0].value == "866,66"
    at.radio[0].set_value("hot_water").run()
    assert at.text_input[0].value == "412,37"


def test_demo_payment_from_pay_screen_to_credited(cabinet):
    sessions, _account, login_id = cabinet
    at = submit(app(login_id))
    [intent] = intents(sessions)
    assert (intent.status, intent.amount, intent.service, intent.provider) == (
        "pending",
        Decimal("866.66"),
        "heating",
        "demo",
    )
    assert "Платіж підготовлено" in text_of(at)

    button(at, "Оплатити 866,66 ₴ (демонстрація)").click()
    at.run()
    assert "Демонстраційна оплата — гроші не списуються" in text_of(at)
    assert "Оплата: опалення, особовий рахунок 1120200001000, без комісії" in text_of(at)
    assert cabinet_payments(sessions) == []

    button(at, "Сплатити (демо)").click()
    at.run()
    assert not at.exception
    shown = text_of(at)
    assert "Оплату зараховано: **866,66 ₴** — опалення, особовий рахунок 1120200001000." in shown
    assert cabinet_payments(sessions) == [("heating", Decimal("866.66"))]
    assert intents(sessions)[0].status == "paid"


def test_demo_decline_shows_failure_and_credits_nothing(cabinet):
    sessions, _account, login_id = cabinet
    at = submit(app(login_id), "100")
    button(at, "Оплатити 100,00 ₴ (демонстрація)").click()
    at.run()
    button(at, "Відхилити (демо)").click()
    at.run()
    assert "Оплата **100,00 ₴** не вдалася" in text_of(at)
    assert cabinet_payments(sessions) == [] and intents(sessions)[0].status == "failed"


@pytest.mark.parametrize(
    "amount,message",
    [
        ("0", "Сума має бути більшою за нуль."),
        ("12,345", "Сума може мати не більше двох знаків після коми."),
        ("100000,01", "Сума завелика"),
        ("сто", "Суму введіть цифрами"),
    ],
)
def test_bad_amount_gets_a_ukrainian_message_and_no_payment(cabinet, amount, message):
    sessions, _account, login_id = cabinet
    at = submit(app(login_id), amount)
    assert not at.exception
    assert message in at.error[0].value
    assert intents(sessions) == []


def test_liqpay_checkout_link_when_keys_are_configured(configure, cabinet):
    sessions, _account, login_id = cabinet
    configure(
        LIQPAY_PUBLIC_KEY="sandbox_i000", LIQPAY_PRIVATE_KEY="sandbox_secret", PUBLIC_BASE_URL="https://cabinet.example"
    )
    at = submit(app(login_id))
    [link] = list(at.get("link_button"))
    url = urlsplit(link.proto.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://www.liqpay.ua/api/3/checkout"
    query = parse_qs(url.query)
    [intent] = intents(sessions)
    assert intent.provider == "liqpay" and intent.status == "pending"
    request = payments.liqpay.decode_data(query["data"][0])
    assert request["order_id"] == intent.order_id and request["amount"] == Decimal("866.66")
    assert request["result_url"] == f"https://cabinet.example/pay-result?order={intent.order_id}"
    assert payments.liqpay.verify("sandbox_secret", query["data"][0], query["signature"][0])
    assert "Демонстрац" not in text_of(at)


def bank_reports(sessions, order_id: str, status: str) -> None:
    """The payment service's signed callback with `status` (the demo provider signs as LiqPay would)."""
    settings = payment_providers.PaymentSettings.load()
    with sessions() as s:
        amount = s.scalar(select(PaymentIntent.amount).where(PaymentIntent.order_id == order_id))
    data, signature = payment_providers.DemoProvider(settings.demo_keys, settings.public_base_url).callback(
        order_id, amount, status
    )
    assert payment_callbacks.handle_callback(sessions, data, signature, settings).accepted


def test_a_payment_only_prepared_reads_as_not_completed_never_as_awaiting_the_bank(cabinet):
    sessions, _account, login_id = cabinet
    at = submit(app(login_id), "500")  # "Continue to payment": prepared, the consumer never pays at the bank
    assert "Платіж підготовлено" in text_of(at)
    shown = text_of(at)
    assert ":gray-badge[Не завершено]" in shown and "гроші не списано" in shown
    assert "Очікує підтвердження банку" not in shown
    [intent] = intents(sessions)
    result = text_of(app(login_id, query={"order": intent.order_id}, page="pay_result.py"))
    assert ":gray-badge[Не завершено]" in result and "не зараховано" in result
    assert "Очікує підтвердження банку" not in result
    account = text_of(app(login_id, page="account.py"))
    assert "Очікує зарахування" not in account  # no money is on its way: nothing to announce on the account


def test_a_payment_the_bank_reports_in_progress_awaits_its_confirmation_never_reads_as_paid(cabinet):
    sessions, account, login_id = cabinet
    intent = payments.create_intent(sessions, login_id, account, "heating", "500", provider="demo")
    payments.begin_checkout(sessions, login_id, intent.order_id, payment_providers.PaymentSettings.load())
    bank_reports(sessions, intent.order_id, "wait_secure")  # the consumer is at the bank's 3-D Secure step
    at = app(login_id, query={"order": intent.order_id}, page="pay_result.py")
    shown = text_of(at)
    assert "Очікує підтвердження банку" in shown and "не зарахований" in shown
    assert "Зараховано" not in shown and "Оплату зараховано" not in shown
    pay_screen = text_of(app(login_id))
    assert ":orange-badge[Очікує підтвердження банку]" in pay_screen
    assert "Зараховано" not in pay_screen and "Не завершено" not in pay_screen
    assert "Очікує зарахування: 500,00 ₴ (Опалення)" in text_of(app(login_id, page="account.py"))


def test_history_on_the_pay_screen_shows_each_status(cabinet):
    sessions, account, login_id = cabinet
    settings = payment_providers.PaymentSettings.load()
    paid = payments.create_intent(sessions, login_id, account, "heating", "10", provider="demo")
    payments.demo_settle(sessions, login_id, paid.order_id, True, settings)
    failed = payments.create_intent(sessions, login_id, account, "hot_water", "20", provider="demo")
    payments.demo_settle(sessions, login_id, failed.order_id, False, settings)
    shown = text_of(app(login_id))
    assert ":green-badge[Зараховано]" in shown and ":red-badge[Не вдалося]" in shown


def test_result_page_when_logged_out_shows_only_the_status(cabinet):
    sessions, account, login_id = cabinet
    intent = payments.create_intent(sessions, login_id, account, "heating", "500", provider="demo")
    shown = text_of(app(None, query={"order": intent.order_id}, page="pay_result.py"))
    assert "Не завершено" in shown and "Увійдіть до кабінету" in shown
    assert "1120200001000" not in shown and "500" not in shown


def test_someone_elses_order_is_not_shown_or_payable(cabinet, app_world):
    sessions, account, login_id = cabinet
    intent = payments.create_intent(sessions, login_id, account, "heating", "500", provider="demo")
    other = app_world.account("1120200002000")
    with sessions.begin() as s:
        stranger = ConsumerLogin(login="x@example.com", password_hash="-", language="uk", created_at=kyiv(2026, 1, 1))
        s.add(stranger)
        s.flush()
        s.add(ConsumerAccountLink(login_id=stranger.id, account_id=other, method="payment", linked_at=kyiv(2026, 1, 1)))
    for page in ("pay_demo.py", "pay_result.py"):
        at = app(stranger.id, query={"order": intent.order_id}, page=page)
        assert "Немає доступу до цього рахунку." in [e.value for e in at.error]
        assert not [b for b in at.button if "демо" in b.label]


def test_english(cabinet):
    _sessions, _account, login_id = cabinet
    at = app(login_id, lang="en")
    shown = text_of(at)
    assert "No commission" in shown and at.radio[0].options[0].startswith("Heating — owed")
    assert at.text_input[0].value == "866.66"


def test_back_on_the_pay_screen_after_a_declined_payment_a_fresh_one_is_offered(cabinet):
    sessions, _account, login_id = cabinet
    at = submit(app(login_id), "100")
    button(at, "Оплатити 100,00 ₴ (демонстрація)").click()
    at.run()
    button(at, "Відхилити (демо)").click()
    at.run()
    at.switch_page(str(PAGES / "pay.py")).run()
    assert "Платіж підготовлено" not in text_of(at)  # the declined order is not offered again
    at = submit(at, "50")
    declined, fresh = intents(sessions)
    assert (declined.status, fresh.status) == ("failed", "pending")
    assert fresh.order_id in text_of(at) and declined.order_id not in text_of(at)
    assert [b.label for b in at.button if "демонстрація" in b.label] == ["Оплатити 50,00\xa0₴ (демонстрація)"]


@pytest.mark.parametrize(
    "refused,message",
    [("100000,01", "Сума завелика"), ("10,001", "Сума може мати не більше двох знаків після коми.")],
)
def test_a_refused_amount_takes_the_earlier_prepared_payment_off_the_screen(cabinet, refused, message):
    sessions, _account, login_id = cabinet
    at = submit(app(login_id), "100")
    assert "Платіж підготовлено" in text_of(at)
    [earlier] = intents(sessions)
    at = submit(at, refused)
    assert message in at.error[0].value
    assert "Платіж підготовлено" not in [h.value for h in at.subheader]
    assert not [m.value for m in at.markdown if earlier.order_id in m.value]  # its summary is gone
    assert not [b.label for b in at.button if "демонстрація" in b.label]  # nothing left to pay for the old amount


def test_clicking_go_to_payment_again_reuses_the_prepared_payment(cabinet):
    sessions, _account, login_id = cabinet
    at = submit(app(login_id), "100")
    for _ in range(4):
        at = submit(at)
    [intent] = intents(sessions)  # one prepared payment, one row in the history
    assert intent.order_id in text_of(at)
    assert text_of(at).count("[Не завершено]") == 1 and intent.amount == Decimal("100.00")
    at = submit(at, "120")
    _first, second = intents(sessions)  # another amount is another payment
    assert second.amount == Decimal("120.00") and second.order_id in text_of(at)
    at = submit(at, "120")
    assert len(intents(sessions)) == 2
