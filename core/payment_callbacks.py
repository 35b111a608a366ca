"""The payment provider's callback: verified, then applied to its intent at most once.

A correctly signed success credits exactly one payment on the account and service asked for; a failure, a
reversal or a waiting status moves the intent; anything else is rejected and audited.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from core import audit, clock, liqpay, rollups
from core.config import settings
from core.payment_providers import PaymentSettings
from db.models import Payment, PaymentIntent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallbackResult:
    """outcome: paid | failed | pending | replay | ignored | rejected (rejected carries the reason)."""

    outcome: str
    order_id: str | None = None
    status: str | None = None
    reason: str | None = None

    @property
    def accepted(self) -> bool:
        return self.outcome != "rejected"


def _reject(
    sessions: sessionmaker[Session],
    now: dt.datetime,
    reason: str,
    order_id: str | None,
    provider: str | None,
    **details: object,
) -> CallbackResult:
    if provider is None:
        return _reject_unsigned(sessions, now, reason, order_id, **details)
    log.warning("payment callback rejected: %s (order %s)", reason, order_id)
    with sessions.begin() as session:
        audit.provider_action(
            session,
            provider or "unknown",
            "payment.callback_rejected",
            "payment_intent",
            order_id,
            at=now,
            reason=reason,
            **details,
        )
        if order_id and reason not in ("signature", "unknown_order"):
            intent = session.scalar(select(PaymentIntent).where(PaymentIntent.order_id == order_id))
            if intent is not None:
                intent.last_error, intent.updated_at = f"callback rejected: {reason}", now
    return CallbackResult("rejected", order_id, None, reason)


def _reject_unsigned(
    sessions: sessionmaker[Session], now: dt.datetime, reason: str, order_id: str | None, **details: object
) -> CallbackResult:
    """Anyone can POST an unsigned callback: count it, audit and log only the first few of each period."""
    with sessions.begin() as session:
        seen = audit.record_tallied(
            session,
            at=now,
            period_minutes=settings().callback_rejection_period_minutes,
            source="unverified",
            reason=reason,
            actor_type="provider",
            actor="unknown",
            action="payment.callback_rejected",
            entity="payment_intent",
            entity_id=order_id,
            **details,
        )
    if seen in (1, 10, 100) or seen % 1000 == 0:  # a log line per order of magnitude, not per request
        log.warning(
            "payment callback rejected: %s (order %s); %d such rejections in this %d-minute period",
            reason,
            order_id,
            seen,
            settings().callback_rejection_period_minutes,
        )
    return CallbackResult("rejected", order_id, None, reason)


def _unverified_order_id(data: str) -> str | None:
    try:
        value = liqpay.decode_data(data).get("order_id")
    except liqpay.InvalidCallback:
        return None
    return str(value)[:64] if value is not None else None


def _amount(value: object) -> Decimal | None:
    """The callback's amount exactly as sent (a JSON number arrives as Decimal), never rounded to fit;
    None when it is not a finite number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def handle_callback(
    sessions: sessionmaker[Session],
    data: str,
    signature: str,
    settings: PaymentSettings,
    now: dt.datetime | None = None,
) -> CallbackResult:
    """Verify a provider's data/signature pair and apply it to its intent, at most once.

    A correctly signed success credits exactly one payment; a repeated or replayed callback changes nothing.
    Rejected (and audited): a bad signature, unknown order id, another provider's order, a different amount
    or currency, a sandbox payment outside sandbox mode.
    """
    now = now or clock.now()
    provider, keys = None, None
    for name in ("liqpay", "demo"):
        candidate = settings.keys_of(name)
        if candidate is not None and liqpay.verify(candidate.private_key, data or "", signature or ""):
            provider, keys = name, candidate
            break
    if provider is None or keys is None:
        return _reject(
            sessions,
            now,
            "signature",
            _unverified_order_id(data or ""),
            None,
            note="order id as claimed by the unverified data",
        )
    try:
        params = liqpay.decode_data(data)
    except liqpay.InvalidCallback:
        return _reject(sessions, now, "format", None, provider)
    order_id = str(params.get("order_id") or "")[:64] or None
    if params.get("public_key") not in (None, keys.public_key):
        return _reject(sessions, now, "public_key", order_id, provider)
    for attempt in range(2):
        try:
            return _apply(sessions, params, provider, keys, order_id, now)
        except _Rejected as rejected:
            return _reject(sessions, now, rejected.reason, order_id, provider, **rejected.details)
        except (IntegrityError, OperationalError):
            # A concurrent callback for the same order won the race; the retry sees its result.
            if attempt:
                raise
    raise AssertionError("unreachable")


def _reverse(
    session: Session, intent: PaymentIntent, status: str, now: dt.datetime, note: Callable[..., None]
) -> CallbackResult:
    """The provider gave the money back: a reversing entry (the negative amount, dated now) linked to the payment,
    never an update of it. At most one per payment (a unique index), so a repeated callback adds nothing."""
    previous = intent.status
    if intent.payment_id is None:  # nothing was credited, so there is nothing to take back
        intent.provider_status, intent.last_error, intent.updated_at = status, "reversed by the provider", now
        note("payment.reversed_by_provider", previous_status=previous, credited=False)
        return CallbackResult("ignored", intent.order_id, previous)
    if session.scalar(select(Payment.id).where(Payment.reverses_id == intent.payment_id)) is not None:
        return CallbackResult("replay", intent.order_id, "reversed")
    original = session.get_one(Payment, intent.payment_id)
    reversal = Payment(
        account_id=original.account_id,
        service=original.service,
        amount=-original.amount,
        paid_at=now,
        channel=original.channel,
        source=original.source,
        external_ref=f"{original.external_ref}/reversal",
        reverses_id=original.id,
    )
    session.add(reversal)
    session.flush()
    rollups.add_payments(session, [reversal])
    intent.provider_status, intent.last_error, intent.updated_at = status, "reversed by the provider", now
    note(
        "payment.reversed",
        amount=str(reversal.amount),
        service=original.service,
        payment_id=original.id,
        reversal_id=reversal.id,
    )
    return CallbackResult("reversed", intent.order_id, "reversed")


class _Rejected(Exception):
    def __init__(self, reason: str, **details: object) -> None:
        super().__init__(reason)
        self.reason, self.details = reason, details


def _apply(
    sessions: sessionmaker[Session],
    params: dict[str, Any],
    provider: str,
    keys: liqpay.Keys,
    order_id: str | None,
    now: dt.datetime,
) -> CallbackResult:
    status = str(params.get("status") or "")
    with sessions.begin() as session:
        intent = None
        if order_id:
            intent = session.scalar(select(PaymentIntent).where(PaymentIntent.order_id == order_id).with_for_update())
        if intent is None:
            raise _Rejected("unknown_order")
        if intent.provider != provider:
            raise _Rejected("provider", intent_provider=intent.provider)
        amount = _amount(params.get("amount"))
        if amount is not None and amount.as_tuple().exponent < -2:  # type: ignore[operator]
            raise _Rejected("amount_precision", expected=str(intent.amount), received=str(params.get("amount")))
        if amount != intent.amount:
            raise _Rejected("amount", expected=str(intent.amount), received=str(params.get("amount")))
        if str(params.get("currency") or "UAH") != intent.currency:
            raise _Rejected("currency", received=str(params.get("currency")))
        if status == liqpay.SANDBOX_STATUS and not keys.sandbox:
            raise _Rejected("sandbox_outside_sandbox_mode")

        def note(action: str, **details: object) -> None:
            audit.provider_action(
                session, provider, action, "payment_intent", intent.order_id, at=now, provider_status=status, **details
            )

        previous = intent.status
        if status in liqpay.PAID_STATUSES or status == liqpay.SANDBOX_STATUS:
            if previous == "paid":
                return CallbackResult("replay", order_id, "paid")
            payment = Payment(
                account_id=intent.account_id,
                service=intent.service,
                amount=intent.amount,
                paid_at=now,
                channel="cabinet",
                source=provider,
                external_ref=intent.order_id,
            )
            session.add(payment)
            session.flush()
            rollups.add_payments(session, [payment])
            intent.status, intent.paid_at, intent.payment_id = "paid", now, payment.id
            intent.provider_payment_id = str(params.get("payment_id") or "")[:80] or None
            intent.provider_status, intent.updated_at, intent.last_error = status, now, None
            note(
                "payment.paid",
                amount=str(intent.amount),
                service=intent.service,
                previous_status=previous,
                payment_id=payment.id,
            )
            return CallbackResult("paid", order_id, "paid")
        if status in liqpay.FAILED_STATUSES:
            if previous in ("paid", "failed"):
                return CallbackResult("replay" if previous == "failed" else "ignored", order_id, previous)
            error = str(params.get("err_description") or params.get("err_code") or status)[:255]
            intent.status, intent.provider_status, intent.last_error, intent.updated_at = "failed", status, error, now
            note("payment.failed", previous_status=previous, error=error)
            return CallbackResult("failed", order_id, "failed")
        if status in liqpay.REVERSED_STATUSES:
            return _reverse(session, intent, status, now, note)
        if status in liqpay.WAITING_STATUSES:
            if previous == "created":
                intent.status, intent.provider_status, intent.updated_at = "pending", status, now
                note("payment.pending", previous_status=previous)
                return CallbackResult("pending", order_id, "pending")
            if intent.provider_status != status and previous == "pending":
                intent.provider_status, intent.updated_at = status, now
            return CallbackResult("replay", order_id, previous)
        note("payment.callback_status_unknown", previous_status=previous)
        return CallbackResult("ignored", order_id, previous)
