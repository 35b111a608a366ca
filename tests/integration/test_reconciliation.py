"""Bank-registry reconciliation: every paid kopeck credited once, to the right account and service, even when
the provider's callback already credited it; what does not match is listed for staff."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core import payments, reconciliation, reconciliation_report, statements
from db.models import Payment, PaymentIntent
from tests.conftest import kyiv
from tests.integration.test_payments import LIQPAY, NOW, consumer, pay

DAY = dt.date(2020, 3, 2)


@pytest.fixture
def payer(seed_world, sessions):
    _world, account = seed_world
    return account, consumer(sessions, account)


def intent(sessions, payer, amount="1866,66", service="heating"):
    account, login = payer
    return payments.create_intent(sessions, login, account, service, amount, provider="liqpay", now=NOW).order_id


def registry_row(
    sessions,
    account,
    *,
    ref,
    amount="1866.66",
    service="heating",
    order_id=None,
    paid_at=NOW + dt.timedelta(hours=2),
    source="bank:privat",
):
    with sessions.begin() as s:
        return reconciliation.credit_registry_payment(
            s,
            account_id=account,
            service=service,
            amount=Decimal(amount),
            paid_at=paid_at,
            channel="bank",
            source=source,
            external_ref=ref,
            order_id=order_id,
            import_batch_id=None,
        )


def paid_total(sessions, login, account, service="heating") -> Decimal:
    return {s.service: s.paid for s in statements.statement_for_consumer(sessions, login, account).services}[service]


def payment_count(sessions) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(Payment))


def report(sessions, since=DAY, until=DAY):
    return reconciliation_report.reconciliation_report(sessions, since, until)


def test_plain_registry_row_is_credited_and_a_reimport_adds_nothing(sessions, payer):
    account, login = payer
    before = paid_total(sessions, login, account)
    assert registry_row(sessions, account, ref="R-1", amount="500.00") == "added"
    assert registry_row(sessions, account, ref="R-1", amount="500.00") == "duplicate"
    assert paid_total(sessions, login, account) - before == Decimal("500.00")
    assert report(sessions).unmatched_rows == []


def test_registry_row_of_a_callback_credited_order_is_not_doubled(sessions, payer):
    account, login = payer
    order = intent(sessions, payer)
    assert pay(sessions, order).outcome == "paid"
    before, count = paid_total(sessions, login, account), payment_count(sessions)
    assert report(sessions).unconfirmed_intents[0].order_id == order  # the bank has not reported it yet

    assert registry_row(sessions, account, ref="R-7", order_id=order) == "duplicate"
    assert (paid_total(sessions, login, account), payment_count(sessions)) == (before, count)
    result = report(sessions)
    assert result.unconfirmed_intents == [] and result.unmatched_rows == []
    assert result.outcomes["duplicate"] == (1, Decimal("1866.66"))
    assert result.cabinet_paid == (1, Decimal("1866.66"))


def test_registry_confirms_an_open_intent_once_and_the_late_callback_adds_nothing(sessions, payer):
    account, login = payer
    order = intent(sessions, payer)
    payments.begin_checkout(sessions, login, order, LIQPAY, now=NOW)
    before, count = paid_total(sessions, login, account), payment_count(sessions)

    assert registry_row(sessions, account, ref="R-8", order_id=order) == "matched_intent"
    with sessions() as s:
        row = s.scalar(select(PaymentIntent).where(PaymentIntent.order_id == order))
        assert (row.status, row.payment_id is not None) == ("paid", True)
    assert paid_total(sessions, login, account) - before == Decimal("1866.66")
    assert payment_count(sessions) == count + 1

    assert pay(sessions, order).outcome == "replay"  # the provider's callback arrives after the registry
    assert registry_row(sessions, account, ref="R-8", order_id=order) == "duplicate"
    assert payment_count(sessions) == count + 1
    assert report(sessions).unconfirmed_intents == []


@pytest.mark.parametrize("previous", ["failed", "expired"])
def test_registry_proves_payment_of_a_failed_or_expired_intent(sessions, payer, previous):
    account, _login = payer
    order = intent(sessions, payer)
    if previous == "failed":
        pay(sessions, order, status="failure")
    else:
        payments.expire_stale_intents(sessions, now=NOW + payments.intent_ttl())
    assert registry_row(sessions, account, ref="R-9", order_id=order) == "matched_intent"
    assert payments.intent_status(sessions, order, now=NOW) == "paid"


def test_unknown_order_id_is_credited_as_named_and_listed_for_staff(sessions, payer):
    account, login = payer
    before = paid_total(sessions, login, account)
    assert registry_row(sessions, account, ref="R-10", order_id="TC-20200302-UNKNOWN") == "added"
    assert paid_total(sessions, login, account) - before == Decimal("1866.66")
    [issue] = report(sessions).unmatched_rows
    assert (issue.issue, issue.order_id, issue.account_number, issue.credited) == (
        "order_unknown",
        "TC-20200302-UNKNOWN",
        "1120200001000",
        True,
    )


def test_row_contradicting_its_order_is_listed_and_leaves_the_intent_open(sessions, world, payer):
    account, _login = payer
    order = intent(sessions, payer)
    other = world.account("1120200001017")
    assert registry_row(sessions, other, ref="R-11", order_id=order) == "added"
    assert registry_row(sessions, account, ref="R-12", order_id=order, service="hot_water") == "added"
    assert registry_row(sessions, account, ref="R-13", order_id=order, amount="1000.00") == "added"
    assert payments.intent_status(sessions, order, now=NOW) == "created"
    assert [i.issue for i in report(sessions).unmatched_rows] == ["order_mismatch", "order_mismatch", "amount_differs"]


def test_different_amount_for_a_callback_credited_order_is_listed_not_credited(sessions, payer):
    account, login = payer
    order = intent(sessions, payer)
    pay(sessions, order)
    before = paid_total(sessions, login, account)
    assert registry_row(sessions, account, ref="R-14", order_id=order, amount="1850.00") == "duplicate"
    assert paid_total(sessions, login, account) == before
    [issue] = report(sessions).unmatched_rows
    assert (issue.issue, issue.credited, issue.amount) == ("amount_differs", False, Decimal("1850.00"))


def test_row_without_order_id_resembling_a_callback_payment_is_flagged(sessions, payer):
    account, _login = payer
    order = intent(sessions, payer)
    pay(sessions, order)
    assert registry_row(sessions, account, ref="R-15") == "added"
    result = report(sessions)
    assert [i.issue for i in result.unmatched_rows] == ["possible_duplicate"]
    assert [u.order_id for u in result.unconfirmed_intents] == [order]


def test_a_registry_holding_callback_payments_and_others(sessions, world, payer):
    """One registry file: two orders the callback credited, one still pending, one ordinary bank payment."""
    account, login = payer
    second = consumer(sessions, world.account("1120200001017"), login="+380501112233")
    orders = [intent(sessions, payer, "100,00"), intent(sessions, payer, "87,45", "hot_water")]
    for order, amount in zip(orders, ("100.00", "87.45")):
        pay(sessions, order, amount=amount)
    pending = intent(sessions, payer, "250,00")
    before = {s: paid_total(sessions, login, account, s) for s in ("heating", "hot_water")}

    rows = [
        dict(ref="B-1", amount="100.00", order_id=orders[0]),
        dict(ref="B-2", amount="87.45", service="hot_water", order_id=orders[1]),
        dict(ref="B-3", amount="250.00", order_id=pending),
        dict(ref="B-4", amount="300.00"),
    ]
    outcomes = [registry_row(sessions, account, **row) for row in rows]
    assert outcomes == ["duplicate", "duplicate", "matched_intent", "added"]
    after = {s: paid_total(sessions, login, account, s) for s in ("heating", "hot_water")}
    assert after["heating"] - before["heating"] == Decimal("550.00")  # 250 + 300; the 100 was already there
    assert after["hot_water"] == before["hot_water"]
    assert [registry_row(sessions, account, **row) for row in rows] == ["duplicate"] * 4  # the file again
    result = report(sessions)
    assert result.unmatched_rows == [] and result.unconfirmed_intents == []
    assert second  # the other consumer's accounts are untouched
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Payment).where(Payment.account_id != account)) == 0


def test_report_covers_only_the_chosen_days(sessions, payer):
    account, _login = payer
    order = intent(sessions, payer)
    pay(sessions, order)
    registry_row(sessions, account, ref="R-20", order_id="TC-X", paid_at=kyiv(2020, 3, 5, 9))
    assert report(sessions, DAY, DAY).unmatched_rows == []
    assert len(report(sessions, DAY, DAY).unconfirmed_intents) == 1
    assert report(sessions, dt.date(2020, 3, 3), dt.date(2020, 3, 5)).unconfirmed_intents == []
    assert len(report(sessions, dt.date(2020, 3, 3), dt.date(2020, 3, 5)).unmatched_rows) == 1


def test_a_reversed_cabinet_payment_is_listed_with_its_reversing_entry(sessions, payer):
    account, login = payer
    order = intent(sessions, payer)
    pay(sessions, order)
    before = paid_total(sessions, login, account)
    assert pay(sessions, order, status="reversed", now=NOW + dt.timedelta(hours=3)).outcome == "reversed"
    assert paid_total(sessions, login, account) == before - Decimal("1866.66")
    [reversal] = report(sessions).reversals
    assert report(sessions).unconfirmed_intents == []  # listed as reversed, not as awaiting the bank
    assert (reversal.account_number, reversal.service, reversal.amount, reversal.external_ref) == (
        "1120200001000",
        "heating",
        Decimal("-1866.66"),
        order,
    )
    assert reversal.reversed_at == NOW + dt.timedelta(hours=3) and reversal.paid_at == NOW
    # the bank's registry row for the order, arriving later, credits nothing again
    assert registry_row(sessions, account, ref="R-9", order_id=order) == "duplicate"
    assert paid_total(sessions, login, account) == before - Decimal("1866.66")
    assert report(sessions, since=DAY + dt.timedelta(days=1), until=DAY + dt.timedelta(days=1)).reversals == []
