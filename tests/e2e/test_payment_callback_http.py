"""The provider callback over real HTTP: `streamlit run public_app.py` on a fresh SQLite database, LiqPay-style
form POSTs to /payments/liqpay/callback, effects checked in the database."""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core import payments
from db.engine import make_engine, make_sessions
from db.migrate import upgrade
from db.models import AuditLog, AuditTally, ConsumerAccountLink, ConsumerLogin, Payment, PaymentIntent
from tests.conftest import World, kyiv
from tests.e2e.harness import TIMEOUT, running

NOW = "2026-11-27T12:00"
PUBLIC, PRIVATE = "sandbox_i000000001", "sandbox_private_key_for_tests"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The public app with LiqPay sandbox keys, over its own fresh database; yields (base url, sessions)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('callback') / 'app.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    # Demo mode only for plain http and the pinned clock of a test server; the provider is LiqPay's sandbox.
    sandbox = {"LIQPAY_PUBLIC_KEY": PUBLIC, "LIQPAY_PRIVATE_KEY": PRIVATE, "LIQPAY_SANDBOX": "1"}
    try:
        with running("public_app.py", url, NOW, sandbox) as app:
            yield app.url, make_sessions(engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def payer(server):
    _base, sessions = server
    world = World(sessions)
    account = world.account("1120200001000")
    with sessions.begin() as s:
        login = ConsumerLogin(login="olena@example.com", password_hash="-", language="uk", created_at=kyiv(2026, 1, 1))
        s.add(login)
        s.flush()
        s.add(ConsumerAccountLink(login_id=login.id, account_id=account, method="payment", linked_at=kyiv(2026, 1, 1)))
    return account, login.id


def new_order(sessions, payer, amount="1866,66") -> str:
    account, login = payer
    return payments.create_intent(sessions, login, account, "heating", amount, provider="liqpay").order_id


def signed(params: dict, key: str = PRIVATE) -> dict[str, str]:
    """The form LiqPay POSTs: data = base64(JSON), signature = base64(sha1(key + data + key) raw digest)."""
    amount = params.pop("amount")
    body = json.dumps({"public_key": PUBLIC, "version": 3, "action": "pay", "currency": "UAH", **params})
    data = base64.b64encode((body[:-1] + f', "amount": {amount}}}').encode()).decode()
    return {"data": data, "signature": base64.b64encode(hashlib.sha1((key + data + key).encode()).digest()).decode()}


def post(base: str, form: dict[str, str]) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{base}/payments/liqpay/callback",
        method="POST",
        data=urllib.parse.urlencode(form).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def intent(sessions, order_id) -> PaymentIntent:
    with sessions() as s:
        return s.scalar(select(PaymentIntent).where(PaymentIntent.order_id == order_id))


def credited(sessions, order_id) -> list[Decimal]:
    with sessions() as s:
        return list(s.scalars(select(Payment.amount).where(Payment.external_ref == order_id)))


def rejections(sessions) -> int:
    """Unsigned callbacks rejected: each is counted, only the first of a period is also an audit row."""
    with sessions() as s:
        return s.scalar(
            select(func.coalesce(func.sum(AuditTally.count), 0)).where(AuditTally.action == "payment.callback_rejected")
        )


def rejection_audit_rows(sessions) -> int:
    with sessions() as s:
        return s.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.action == "payment.callback_rejected")
        )


def test_health_route_still_answers(server):
    base, _sessions = server
    with urllib.request.urlopen(f"{base}/health", timeout=TIMEOUT) as response:
        assert json.loads(response.read()) == {"status": "ok"}


def test_signed_success_credits_once_and_replays_change_nothing(server, payer):
    base, sessions = server
    order = new_order(sessions, payer)
    form = signed({"status": "sandbox", "order_id": order, "amount": "1866.66", "payment_id": 2000000001})
    assert post(base, form) == (200, {"result": "paid", "status": "paid"})
    row = intent(sessions, order)
    assert (row.status, row.provider_payment_id) == ("paid", "2000000001")
    assert credited(sessions, order) == [Decimal("1866.66")]
    for _ in range(3):
        assert post(base, form) == (200, {"result": "replay", "status": "paid"})
    assert credited(sessions, order) == [Decimal("1866.66")]


def test_bad_signature_is_rejected_with_400_and_audited(server, payer):
    base, sessions = server
    order = new_order(sessions, payer)
    before = rejections(sessions)
    status, body = post(base, signed({"status": "success", "order_id": order, "amount": "1866.66"}, key="guess"))
    assert (status, body["reason"]) == (400, "signature")
    assert rejections(sessions) == before + 1
    assert intent(sessions, order).status == "created" and credited(sessions, order) == []


def test_tampered_data_is_rejected(server, payer):
    base, sessions = server
    order = new_order(sessions, payer)
    form = signed({"status": "failure", "order_id": order, "amount": "1866.66"})
    form["data"] = base64.b64encode(base64.b64decode(form["data"]).replace(b"failure", b"success")).decode()
    assert post(base, form)[0] == 400
    assert credited(sessions, order) == []


def test_amount_mismatch_and_unknown_order_are_rejected(server, payer):
    base, sessions = server
    order = new_order(sessions, payer)
    assert post(base, signed({"status": "success", "order_id": order, "amount": "1.00"})) == (
        400,
        {"result": "rejected", "reason": "amount"},
    )
    assert post(base, signed({"status": "success", "order_id": "TC-NO-SUCH", "amount": "1866.66"})) == (
        400,
        {"result": "rejected", "reason": "unknown_order"},
    )
    assert intent(sessions, order).status == "created" and credited(sessions, order) == []


def test_amount_with_more_than_two_decimals_gets_a_400_and_credits_nothing(server, payer):
    base, sessions = server
    order = new_order(sessions, payer, "100,00")
    for amount in ("100.004", "99.995"):
        assert post(base, signed({"status": "success", "order_id": order, "amount": amount})) == (
            400,
            {"result": "rejected", "reason": "amount_precision"},
        )
    assert intent(sessions, order).status == "created" and credited(sessions, order) == []
    assert post(base, signed({"status": "success", "order_id": order, "amount": "100.00"}))[0] == 200
    assert credited(sessions, order) == [Decimal("100.00")]


def test_reversed_callback_writes_one_reversing_entry(server, payer):
    base, sessions = server
    order = new_order(sessions, payer, "250,00")
    assert post(base, signed({"status": "sandbox", "order_id": order, "amount": "250.00"}))[0] == 200
    reversed_ = signed({"status": "reversed", "order_id": order, "amount": "250.00"})
    assert post(base, reversed_) == (200, {"result": "reversed", "status": "reversed"})
    assert post(base, reversed_) == (200, {"result": "replay", "status": "reversed"})
    with sessions() as s:
        entries = s.execute(
            select(Payment.amount, Payment.reverses_id)
            .where(Payment.external_ref.like(f"{order}%"))
            .order_by(Payment.id)
        ).all()
    assert [amount for amount, _ in entries] == [Decimal("250.00"), Decimal("-250.00")]
    assert entries[0].reverses_id is None and entries[1].reverses_id is not None


def test_failure_marks_the_intent_failed(server, payer):
    base, sessions = server
    order = new_order(sessions, payer, "99,99")
    assert post(
        base, signed({"status": "failure", "order_id": order, "amount": "99.99", "err_description": "Відмова банку"})
    ) == (200, {"result": "failed", "status": "failed"})
    row = intent(sessions, order)
    assert (row.status, row.last_error) == ("failed", "Відмова банку")
    assert credited(sessions, order) == []


def test_a_hundred_bogus_posts_do_not_grow_the_audit(server):
    base, sessions = server
    counted, audited = rejections(sessions), rejection_audit_rows(sessions)
    for n in range(100):
        assert post(base, {"data": f"bogus-{n}", "signature": "forged"})[0] == 400
    assert rejections(sessions) == counted + 100
    assert rejection_audit_rows(sessions) <= audited + 1


def test_missing_fields_are_refused(server):
    base, sessions = server
    before = rejections(sessions)
    assert post(base, {}) == (400, {"result": "rejected", "reason": "signature"})
    assert post(base, {"data": "not base64 at all", "signature": "x"})[0] == 400
    garbled = urllib.request.Request(
        f"{base}/payments/liqpay/callback",
        method="POST",
        data=b"--x\r\nnonsense",
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(garbled, timeout=TIMEOUT)
    assert error.value.code == 400
    assert rejections(sessions) == before + 3
