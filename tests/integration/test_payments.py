"""Paying through the cabinet: every status transition of an intent, and the provider callback's defences
(replay, tampering, amount mismatch, unknown order id) on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core import config, payment_callbacks, payment_providers, payments, statements
from core.errors import AccessDenied, DomainError
from db.models import AuditLog, ConsumerAccountLink, ConsumerLogin, Payment, PaymentIntent
from tests.conftest import kyiv

NOW = kyiv(2020, 3, 2, 10)
PUBLIC, PRIVATE = "sandbox_i12345", "sandbox_private_key"
LIQPAY = payment_providers.PaymentSettings.load(
    environ={
        "LIQPAY_PUBLIC_KEY": PUBLIC,
        "LIQPAY_PRIVATE_KEY": PRIVATE,
        "PUBLIC_BASE_URL": "https://cabinet.example",
    }
)
LIQPAY_SANDBOX = payment_providers.PaymentSettings.load(
    environ={
        "LIQPAY_PUBLIC_KEY": PUBLIC,
        "LIQPAY_PRIVATE_KEY": PRIVATE,
        "LIQPAY_SANDBOX": "1",
    }
)
DEMO = payment_providers.PaymentSettings.load(environ={"TEPLO_DEMO": "1", "TEPLO_DEMO_PAYMENT_KEY": "local-demo-key"})


@pytest.fixture(autouse=True)
def demo_mode(configure):
    """These tests pay through the demo provider too, which exists only in demo mode."""
    configure(TEPLO_DEMO="1")


def consumer(sessions, account_id, login="+380671234567") -> int:
    with sessions.begin() as s:
        row = ConsumerLogin(login=login, password_hash="-", language="uk", created_at=NOW)
        s.add(row)
        s.flush()
        s.add(ConsumerAccountLink(login_id=row.id, account_id=account_id, method="payment", linked_at=NOW))
        return row.id


@pytest.fixture
def payer(seed_world, sessions):
    _world, account = seed_world
    return account, consumer(sessions, account)


def callback(params: dict, key: str = PRIVATE) -> tuple[str, str]:
    """A callback as LiqPay sends it (the amount a JSON number), built here without core.liqpay."""
    amount = params.pop("amount", None)
    body = json.dumps({"public_key": PUBLIC, "version": 3, "action": "pay", "currency": "UAH", **params})
    if amount is not None:
        body = body[:-1] + f', "amount": {amount}}}'
    data = base64.b64encode(body.encode()).decode()
    return data, base64.b64encode(hashlib.sha1((key + data + key).encode()).digest()).decode()


def intent_row(sessions, order_id) -> PaymentIntent:
    with sessions() as s:
        return s.scalar(select(PaymentIntent).where(PaymentIntent.order_id == order_id))


def payments_of(sessions, account_id) -> list[tuple[str, Decimal, str]]:
    with sessions() as s:
        return [
            (p.service, p.amount, p.channel)
            for p in s.scalars(select(Payment).where(Payment.account_id == account_id, Payment.channel == "cabinet"))
        ]


def audit_actions(sessions, order_id) -> list[str]:
    with sessions() as s:
        return list(s.scalars(select(AuditLog.action).where(AuditLog.entity_id == order_id).order_by(AuditLog.id)))


def new_intent(sessions, payer, amount="1866,66", service="heating", settings=LIQPAY, now=NOW):
    account, login = payer
    return payments.create_intent(sessions, login, account, service, amount, provider=settings.provider, now=now)


def pay(sessions, order_id, amount="1866.66", status="success", settings=LIQPAY, key=PRIVATE, now=NOW, **extra):
    data, signature = callback({"status": status, "order_id": order_id, "amount": amount, **extra}, key)
    return payment_callbacks.handle_callback(sessions, data, signature, settings, now=now)


# ------------------------------------------------------------------------------------------ creating and checkout


def test_intent_is_created_with_order_id_expiry_and_audit(sessions, payer):
    intent = new_intent(sessions, payer, "1 866,66")
    row = intent_row(sessions, intent.order_id)
    assert (row.status, row.amount, row.service, row.provider) == ("created", Decimal("1866.66"), "heating", "liqpay")
    assert row.expires_at == NOW + payments.intent_ttl()
    assert intent.order_id != new_intent(sessions, payer).order_id
    assert audit_actions(sessions, intent.order_id) == ["payment.intent_created"]


@pytest.mark.parametrize(
    "amount,key",
    [
        ("0", "amount.positive"),
        ("12,345", "amount.precision"),
        ("100000,01", "amount.too_large"),
        ("abc", "amount.format"),
    ],
)
def test_bad_amounts_are_refused(sessions, payer, amount, key):
    with pytest.raises(DomainError) as err:
        new_intent(sessions, payer, amount)
    assert err.value.key == key


def test_cannot_pay_for_an_account_not_linked_or_a_service_not_provided(sessions, world, payer):
    other = world.account("1120200001017", hot_water=False)
    _account, login = payer
    with pytest.raises(AccessDenied):
        payments.create_intent(sessions, login, other, "heating", "10", provider="liqpay", now=NOW)
    stranger = consumer(sessions, other, login="+380501112233")
    with pytest.raises(DomainError) as err:
        payments.create_intent(sessions, stranger, other, "hot_water", "10", provider="liqpay", now=NOW)
    assert err.value.key == "service.not_on_account"


def test_checkout_moves_created_to_pending_and_signs_a_liqpay_request(sessions, payer):
    intent = new_intent(sessions, payer)
    checkout = payments.begin_checkout(sessions, payer[1], intent.order_id, LIQPAY, "uk", now=NOW)
    assert intent_row(sessions, intent.order_id).status == "pending"
    request = json.loads(base64.b64decode(checkout.data))
    assert request["order_id"] == intent.order_id and request["amount"] == 1866.66
    assert request["action"] == "pay" and request["version"] == 3 and request["currency"] == "UAH"
    assert "1120200001000" in request["description"] and "опалення" in request["description"]
    assert request["result_url"] == f"https://cabinet.example/pay-result?order={intent.order_id}"
    assert request["server_url"] == "https://cabinet.example/payments/liqpay/callback"
    assert (
        checkout.signature
        == base64.b64encode(hashlib.sha1((PRIVATE + checkout.data + PRIVATE).encode()).digest()).decode()
    )
    assert checkout.link.startswith("https://www.liqpay.ua/api/3/checkout?data=")


def test_the_same_prepared_payment_clicked_again_is_reused_and_checked_out_under_its_order(sessions, payer):
    account, login = payer
    first = new_intent(sessions, payer)
    payments.begin_checkout(sessions, login, first.order_id, LIQPAY, "uk", now=NOW)
    again = payments.create_intent(
        sessions, login, account, "heating", "1866.66", provider="liqpay", now=NOW, reuse=first.order_id
    )
    checkout = payments.begin_checkout(sessions, login, again.order_id, LIQPAY, "uk", now=NOW)
    assert again.order_id == first.order_id
    assert json.loads(base64.b64decode(checkout.data))["order_id"] == first.order_id
    assert audit_actions(sessions, first.order_id) == ["payment.intent_created", "payment.checkout"]
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(PaymentIntent)) == 1


@pytest.mark.parametrize(
    "change", ["amount", "service", "paid", "expired", "stranger"], ids=lambda c: f"new intent when {c}"
)
def test_a_prepared_payment_is_reused_only_while_open_and_the_same(sessions, world, payer, change):
    account, login = payer
    first = new_intent(sessions, payer)
    amount, service, now = "1866,66", "heating", NOW
    if change == "amount":
        amount = "1866,67"
    elif change == "service":
        service = "hot_water"
    elif change == "paid":
        pay(sessions, first.order_id)
    elif change == "expired":
        now = NOW + payments.intent_ttl()
    else:
        login = consumer(sessions, account, login="+380501112233")
    again = payments.create_intent(
        sessions, login, account, service, amount, provider="liqpay", now=now, reuse=first.order_id
    )
    assert again.order_id != first.order_id


def test_checkout_of_another_consumers_order_is_refused(sessions, world, payer):
    intent = new_intent(sessions, payer)
    stranger = consumer(sessions, world.account("1120200001017"), login="+380501112233")
    with pytest.raises(AccessDenied):
        payments.begin_checkout(sessions, stranger, intent.order_id, LIQPAY, now=NOW)


# ------------------------------------------------------------------------------------------ the callback


def test_success_callback_credits_exactly_one_payment_and_replays_change_nothing(configure, sessions, payer):
    account, login = payer
    configure(TEPLO_NOW="2020-03-02T10:05")
    intent = new_intent(sessions, payer)
    payments.begin_checkout(sessions, login, intent.order_id, LIQPAY, now=NOW)
    # Handed to the provider with no word from the bank: not completed, not "awaiting the bank".
    assert [p.status for p in statements.statement_for_consumer(sessions, login, account).pending] == ["unfinished"]
    before = statements.statement_for_consumer(sessions, login, account)

    result = pay(sessions, intent.order_id, payment_id=123456789)
    assert (result.outcome, result.status) == ("paid", "paid")
    row = intent_row(sessions, intent.order_id)
    assert (row.status, row.paid_at, row.provider_payment_id, row.provider_status) == (
        "paid",
        NOW,
        "123456789",
        "success",
    )
    assert payments_of(sessions, account) == [("heating", Decimal("1866.66"), "cabinet")]
    after = statements.statement_for_consumer(sessions, login, account)
    assert after.pending == []
    paid_heating = {s.service: s.paid for s in after.services}["heating"]
    assert paid_heating - {s.service: s.paid for s in before.services}["heating"] == Decimal("1866.66")

    for _ in range(2):  # LiqPay repeating its callback, or someone replaying a captured one
        assert pay(sessions, intent.order_id, payment_id=123456789).outcome == "replay"
    assert payments_of(sessions, account) == [("heating", Decimal("1866.66"), "cabinet")]
    assert audit_actions(sessions, intent.order_id).count("payment.paid") == 1


def test_simultaneous_callbacks_credit_once(sessions, payer):
    intent = new_intent(sessions, payer)
    data, signature = callback({"status": "success", "order_id": intent.order_id, "amount": "1866.66"})
    start, outcomes = threading.Barrier(6), []

    def deliver():
        start.wait()
        outcomes.append(payment_callbacks.handle_callback(sessions, data, signature, LIQPAY, now=NOW).outcome)

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["paid"] + ["replay"] * 5
    assert payments_of(sessions, payer[0]) == [("heating", Decimal("1866.66"), "cabinet")]


def test_bad_signature_is_rejected_and_audited(sessions, payer):
    intent = new_intent(sessions, payer)
    result = pay(sessions, intent.order_id, key="not-the-private-key")
    assert (result.outcome, result.reason) == ("rejected", "signature")
    assert intent_row(sessions, intent.order_id).status == "created"
    assert payments_of(sessions, payer[0]) == []
    assert audit_actions(sessions, intent.order_id)[-1] == "payment.callback_rejected"


def test_data_tampered_after_signing_is_rejected(sessions, payer):
    intent = new_intent(sessions, payer)
    data, signature = callback({"status": "failure", "order_id": intent.order_id, "amount": "1866.66"})
    forged = base64.b64encode(base64.b64decode(data).replace(b'"failure"', b'"success"')).decode()
    result = payment_callbacks.handle_callback(sessions, forged, signature, LIQPAY, now=NOW)
    assert result.reason == "signature"
    assert intent_row(sessions, intent.order_id).status == "created" and payments_of(sessions, payer[0]) == []


@pytest.mark.parametrize("amount", ["1.00", "1866.65", "1866.67", "3733.32"])
def test_amount_that_does_not_match_the_intent_is_rejected(sessions, payer, amount):
    intent = new_intent(sessions, payer)
    result = pay(sessions, intent.order_id, amount=amount)
    assert (result.outcome, result.reason) == ("rejected", "amount")
    row = intent_row(sessions, intent.order_id)
    assert row.status == "created" and "amount" in row.last_error
    assert payments_of(sessions, payer[0]) == []


@pytest.mark.parametrize(
    "amount,reason",
    [
        ("100.004", "amount_precision"),
        ("99.995", "amount_precision"),
        ("100.001", "amount_precision"),
        ("99.99", "amount"),
        ("100.01", "amount"),
    ],
)
def test_amount_must_match_to_the_kopeck_with_at_most_two_decimals(sessions, payer, amount, reason):
    intent = new_intent(sessions, payer, "100,00")
    result = pay(sessions, intent.order_id, amount=amount)
    assert (result.outcome, result.reason) == ("rejected", reason)
    assert intent_row(sessions, intent.order_id).status == "created"
    assert payments_of(sessions, payer[0]) == []
    assert pay(sessions, intent.order_id, amount="100").outcome == "paid"
    assert payments_of(sessions, payer[0]) == [("heating", Decimal("100.00"), "cabinet")]


def test_currency_other_than_hryvnia_is_rejected(sessions, payer):
    intent = new_intent(sessions, payer)
    data, signature = callback(
        {"status": "success", "order_id": intent.order_id, "amount": "1866.66", "currency": "USD"}
    )
    assert payment_callbacks.handle_callback(sessions, data, signature, LIQPAY, now=NOW).reason == "currency"
    assert payments_of(sessions, payer[0]) == []


def test_unknown_order_id_is_rejected_and_audited(sessions, payer):
    result = pay(sessions, "TC-20200302-NOSUCHORDER")
    assert (result.outcome, result.reason) == ("rejected", "unknown_order")
    assert audit_actions(sessions, "TC-20200302-NOSUCHORDER") == ["payment.callback_rejected"]
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Payment).where(Payment.channel == "cabinet")) == 0


def test_sandbox_payment_counts_only_in_sandbox_mode(sessions, payer):
    intent = new_intent(sessions, payer)
    assert pay(sessions, intent.order_id, status="sandbox").reason == "sandbox_outside_sandbox_mode"
    assert intent_row(sessions, intent.order_id).status == "created"
    assert pay(sessions, intent.order_id, status="sandbox", settings=LIQPAY_SANDBOX).outcome == "paid"
    assert payments_of(sessions, payer[0]) == [("heating", Decimal("1866.66"), "cabinet")]


def test_another_public_key_is_rejected(sessions, payer):
    intent = new_intent(sessions, payer)
    data, signature = callback(
        {"status": "success", "order_id": intent.order_id, "amount": "1866.66", "public_key": "i_someone_else"}
    )
    assert payment_callbacks.handle_callback(sessions, data, signature, LIQPAY, now=NOW).reason == "public_key"


@pytest.mark.parametrize("status", ["failure", "error"])
def test_failure_marks_failed_and_a_later_success_still_credits(sessions, payer, status):
    intent = new_intent(sessions, payer)
    result = pay(sessions, intent.order_id, status=status, err_description="Недостатньо коштів")
    assert (result.outcome, result.status) == ("failed", "failed")
    row = intent_row(sessions, intent.order_id)
    assert (row.status, row.last_error) == ("failed", "Недостатньо коштів")
    assert pay(sessions, intent.order_id, status=status).outcome == "replay"
    with pytest.raises(DomainError) as err:
        payments.begin_checkout(sessions, payer[1], intent.order_id, LIQPAY, now=NOW)
    assert err.value.key == "payment.status_failed"
    # the consumer retried on the provider's page and the money was taken: it is credited, once
    assert pay(sessions, intent.order_id).outcome == "paid"
    assert payments_of(sessions, payer[0]) == [("heating", Decimal("1866.66"), "cabinet")]


def test_failure_after_payment_does_not_undo_it(sessions, payer):
    intent = new_intent(sessions, payer)
    pay(sessions, intent.order_id)
    assert pay(sessions, intent.order_id, status="failure").outcome == "ignored"
    assert intent_row(sessions, intent.order_id).status == "paid"
    assert len(payments_of(sessions, payer[0])) == 1


def test_reversal_is_a_reversing_entry_linked_to_the_payment_and_a_repeat_adds_nothing(sessions, payer):
    account, login = payer
    intent = new_intent(sessions, payer)
    pay(sessions, intent.order_id)
    later = NOW + dt.timedelta(days=2)
    result = pay(sessions, intent.order_id, status="reversed", now=later)
    assert (result.outcome, result.status) == ("reversed", "reversed")
    for _ in range(2):  # LiqPay repeats its callbacks: the reversal stays one entry
        assert pay(sessions, intent.order_id, status="reversed", now=later).outcome == "replay"
    with sessions() as s:
        rows = s.execute(
            select(Payment.id, Payment.amount, Payment.reverses_id, Payment.paid_at)
            .where(Payment.account_id == account, Payment.channel == "cabinet")
            .order_by(Payment.id)
        ).all()
    assert [(r.amount, r.reverses_id) for r in rows] == [(Decimal("1866.66"), None), (Decimal("-1866.66"), rows[0].id)]
    assert rows[1].paid_at == later
    assert "payment.reversed" in audit_actions(sessions, intent.order_id)
    # the consumer sees the reversal: a line in the history, the money owed again, the order marked reversed
    statement = statements.statement_for_consumer(sessions, login, account)
    heating = next(b for b in statement.services if b.service == "heating")
    assert [(p.amount, p.reversal) for p in statement.payments if p.channel == "cabinet"] == [
        (Decimal("-1866.66"), True),
        (Decimal("1866.66"), False),
    ]
    assert heating.last_payment.amount == Decimal("1866.66")
    assert payments.intent_for_consumer(sessions, login, intent.order_id, now=later).status == "reversed"
    # a success callback replayed after the reversal credits nothing
    assert pay(sessions, intent.order_id, now=later).outcome == "replay"
    with sessions() as s:
        assert s.scalar(select(func.sum(Payment.amount)).where(Payment.channel == "cabinet")) == Decimal("0.00")


def test_reversal_of_an_order_never_paid_credits_and_reverses_nothing(sessions, payer):
    intent = new_intent(sessions, payer)
    assert pay(sessions, intent.order_id, status="reversed").outcome == "ignored"
    assert payments_of(sessions, payer[0]) == []


def test_simultaneous_reversals_write_one_entry(sessions, payer):
    intent = new_intent(sessions, payer)
    pay(sessions, intent.order_id)
    outcomes = []
    threads = [
        threading.Thread(target=lambda: outcomes.append(pay(sessions, intent.order_id, status="reversed").outcome))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["replay", "replay", "replay", "reversed"]
    assert sorted(p[1] for p in payments_of(sessions, payer[0])) == [Decimal("-1866.66"), Decimal("1866.66")]


def test_waiting_status_moves_created_to_pending(sessions, payer):
    intent = new_intent(sessions, payer)
    assert pay(sessions, intent.order_id, status="wait_secure").outcome == "pending"
    assert intent_row(sessions, intent.order_id).status == "pending"
    assert payments.intent_status(sessions, intent.order_id, now=NOW, shown=True) == "pending"  # awaiting the bank
    assert pay(sessions, intent.order_id, status="processing").outcome == "replay"
    assert payments_of(sessions, payer[0]) == []


def test_a_consumer_reads_an_intent_the_bank_said_nothing_about_as_not_completed(sessions, payer):
    account, login = payer
    intent = new_intent(sessions, payer)
    assert payments.intent_status(sessions, intent.order_id, now=NOW, shown=True) == "unfinished"
    payments.begin_checkout(sessions, login, intent.order_id, LIQPAY, now=NOW)  # sent to the provider
    assert payments.intent_status(sessions, intent.order_id, now=NOW, shown=True) == "unfinished"
    assert [i.shown_status for i in payments.recent_intents(sessions, login, account, now=NOW)] == ["unfinished"]
    assert payments.intent_status(sessions, intent.order_id, now=NOW) == "pending"  # the intent itself is still open


@pytest.mark.parametrize(
    ("status", "provider_status", "shown"),
    [
        ("created", None, "unfinished"),
        ("pending", None, "unfinished"),
        ("pending", "wait_secure", "pending"),
        ("pending", "processing", "pending"),
        ("paid", "success", "paid"),
        ("failed", "failure", "failed"),
        ("expired", None, "expired"),
        ("expired", "wait_secure", "expired"),
    ],
)
def test_consumer_status_of_each_intent_state(status, provider_status, shown):
    assert payments.consumer_status(status, provider_status) == shown


def test_unknown_status_changes_nothing(sessions, payer):
    intent = new_intent(sessions, payer)
    assert pay(sessions, intent.order_id, status="something_new").outcome == "ignored"
    assert intent_row(sessions, intent.order_id).status == "created"


def test_open_intents_expire_and_a_late_success_is_still_credited(configure, sessions, payer):
    account, login = payer
    intent = new_intent(sessions, payer)
    payments.begin_checkout(sessions, login, intent.order_id, LIQPAY, now=NOW)
    later = NOW + payments.intent_ttl() + dt.timedelta(minutes=1)
    assert payments.intent_for_consumer(sessions, login, intent.order_id, now=later).status == "expired"
    configure(TEPLO_NOW=later.isoformat())
    assert statements.statement_for_consumer(sessions, login, account).pending == []  # never shown as open
    assert payments.expire_stale_intents(sessions, now=later) == 1
    assert intent_row(sessions, intent.order_id).status == "expired"
    assert payments.expire_stale_intents(sessions, now=later) == 0
    with pytest.raises(DomainError) as err:
        payments.begin_checkout(sessions, login, intent.order_id, LIQPAY, now=later)
    assert err.value.key == "payment.status_expired"
    # the provider took the money just before the link expired: every kopeck is still credited
    assert pay(sessions, intent.order_id, now=later).outcome == "paid"
    assert payments_of(sessions, account) == [("heating", Decimal("1866.66"), "cabinet")]
    assert "payment.expired" in audit_actions(sessions, intent.order_id)


def test_new_intent_expires_the_accounts_stale_ones(sessions, payer):
    old = new_intent(sessions, payer)
    new_intent(sessions, payer, now=NOW + payments.intent_ttl() + dt.timedelta(seconds=1))
    assert intent_row(sessions, old.order_id).status == "expired"


def test_recent_intents_show_each_status(sessions, payer):
    account, login = payer
    paid, failed, open_ = (new_intent(sessions, payer, a) for a in ("10", "20", "30"))
    pay(sessions, paid.order_id, amount="10")
    pay(sessions, failed.order_id, amount="20", status="failure")
    shown = {i.order_id: i.status for i in payments.recent_intents(sessions, login, account, now=NOW)}
    assert shown == {paid.order_id: "paid", failed.order_id: "failed", open_.order_id: "created"}


# ------------------------------------------------------------------------------------------ the demo provider


def test_demo_provider_pays_through_the_same_callback(sessions, payer):
    account, login = payer
    intent = new_intent(sessions, payer, "87,45", service="hot_water", settings=DEMO)
    checkout = payments.begin_checkout(sessions, login, intent.order_id, DEMO, now=NOW)
    assert checkout.url.endswith("/pay-demo")
    result = payments.demo_settle(sessions, login, intent.order_id, True, DEMO, now=NOW)
    assert (result.outcome, result.status) == ("paid", "paid")
    assert payments_of(sessions, account) == [("hot_water", Decimal("87.45"), "cabinet")]
    with sessions() as s:
        assert s.scalar(select(Payment.source).where(Payment.channel == "cabinet")) == "demo"
    assert payments.demo_settle(sessions, login, intent.order_id, True, DEMO, now=NOW).outcome == "replay"
    assert len(payments_of(sessions, account)) == 1


def test_demo_provider_can_decline(sessions, payer):
    intent = new_intent(sessions, payer, settings=DEMO)
    assert payments.demo_settle(sessions, payer[1], intent.order_id, False, DEMO, now=NOW).status == "failed"
    assert payments_of(sessions, payer[0]) == []


def test_demo_key_cannot_pay_a_real_order_and_demo_is_off_with_real_keys(sessions, payer):
    intent = new_intent(sessions, payer)  # a LiqPay order
    assert pay(sessions, intent.order_id, key="local-demo-key", settings=DEMO, public_key="demo").reason == "provider"
    demo_intent = new_intent(sessions, payer, settings=DEMO)
    assert (
        pay(sessions, demo_intent.order_id, key="local-demo-key", status="sandbox", public_key="demo").reason
        == "signature"
    )
    with pytest.raises(DomainError):
        payments.demo_settle(sessions, payer[1], demo_intent.order_id, True, LIQPAY, now=NOW)
    assert payments_of(sessions, payer[0]) == []


def test_payments_can_be_switched_off():
    off = payment_providers.PaymentSettings.load(environ={"TEPLO_DEMO": "1", "TEPLO_DEMO_PAYMENTS": "0"})
    assert off.provider == "off"
    with pytest.raises(DomainError) as err:
        payment_providers.provider_for(off)
    assert err.value.key == "payment.unavailable"


def test_secrets_override_the_environment(tmp_path):
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text(
        'LIQPAY_PUBLIC_KEY = "i1"\nLIQPAY_PRIVATE_KEY = "p1"\nLIQPAY_SANDBOX = true\n', encoding="utf-8"
    )
    configured = config.Settings.from_environ(
        {"LIQPAY_PUBLIC_KEY": "from-env", "LIQPAY_SANDBOX": "0"}, config.read_secrets(secrets_file)
    )
    settings = payment_providers.PaymentSettings.of(configured)
    assert settings.provider == "liqpay" and settings.liqpay_keys.sandbox
    assert settings.liqpay_keys.public_key == "i1"
