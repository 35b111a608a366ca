"""Paying through the cabinet: payment intents (the provider they go to: core.payment_providers; the provider's
callback: core.payment_callbacks).

An intent is what a consumer asked to pay (account, service, amount, a unique order id). Its status moves
    created → pending → paid | failed | expired
and a paid intent the provider reverses shows as `reversed`: its payment stays in the ledger and a reversing
entry (the negative amount, linked to it by `reverses_id`) takes the money back.
`created` when the Pay screen records it, `pending` once the consumer is sent to the provider (or the provider
reports the payment in progress), `paid` only when a correctly signed callback (or the bank registry) confirms
the money, which then becomes exactly one payment on the account and service asked for. No commission: the
payment credited is the amount the consumer paid, to the kopeck.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core import audit, clock, liqpay
from core.config import settings
from core.consumers import require_link
from core.errors import DomainError
from core.parsing import parse_amount, parse_service
from core.payment_callbacks import CallbackResult, handle_callback
from core.payment_providers import DemoProvider, PaymentSettings, provider_for
from core.payment_status import OPEN_STATUSES, consumer_status
from db.models import Account, ConsumerLogin, PaymentIntent


def intent_ttl() -> dt.timedelta:
    """How long an unpaid payment link stays valid (TEPLO_PAYMENT_TTL_MINUTES)."""
    return dt.timedelta(minutes=settings().payment_ttl_minutes)


# ----------------------------------------------------------------------------------------------- views


@dataclass(frozen=True)
class IntentView:
    order_id: str
    account_number: str
    service: str
    amount: Decimal
    status: str
    provider: str
    created_at: dt.datetime
    expires_at: dt.datetime | None = None
    paid_at: dt.datetime | None = None
    last_error: str | None = None
    account_id: int | None = None
    provider_status: str | None = None

    @property
    def shown_status(self) -> str:
        return consumer_status(self.status, self.provider_status)


def _effective_status(intent: PaymentIntent, now: dt.datetime) -> str:
    """An open intent past its expiry is expired, even before expire_stale_intents has written it down."""
    if intent.status in OPEN_STATUSES and intent.expires_at is not None and intent.expires_at <= now:
        return "expired"
    if intent.status == "paid" and intent.provider_status in liqpay.REVERSED_STATUSES:
        return "reversed"
    return intent.status


def _view(intent: PaymentIntent, number: str, now: dt.datetime) -> IntentView:
    return IntentView(
        intent.order_id,
        number,
        intent.service,
        intent.amount,
        _effective_status(intent, now),
        intent.provider,
        intent.created_at,
        intent.expires_at,
        intent.paid_at,
        intent.last_error,
        intent.account_id,
        intent.provider_status,
    )


# ----------------------------------------------------------------------------------------------- consumer side


def create_intent(
    sessions: sessionmaker[Session],
    login_id: int,
    account_id: int,
    service: str,
    amount_text: str,
    provider: str = "demo",
    now: dt.datetime | None = None,
    language: str = "uk",
    reuse: str | None = None,
) -> IntentView:
    """A new intent for what the consumer asked to pay; or, with `reuse` (the order id of the payment already
    prepared on the consumer's screen), that same intent again if it is still open and asks for the same account,
    service, amount and provider: a second click on the same payment prepares no second one."""
    now = now or clock.now()
    service = parse_service(service)
    amount = parse_amount(amount_text, lang=language)
    if provider not in ("liqpay", "demo") or (provider == "demo" and not settings().demo):
        raise DomainError("payment.unavailable")  # a demo payment is never stored outside demo mode
    with sessions.begin() as session:
        require_link(session, login_id, account_id)
        account = session.get_one(Account, account_id)
        if not (account.has_heating if service == "heating" else account.has_hot_water):
            raise DomainError("service.not_on_account")
        _expire_stale(session, now, account_id=account_id)
        prepared = reuse and session.scalar(select(PaymentIntent).where(PaymentIntent.order_id == reuse))
        if (
            prepared
            and (prepared.login_id, prepared.account_id) == (login_id, account_id)
            and (prepared.service, prepared.amount, prepared.provider) == (service, amount, provider)
            and _effective_status(prepared, now) in OPEN_STATUSES
        ):
            return _view(prepared, account.number, now)
        order_id = f"TC-{now:%Y%m%d}-{secrets.token_hex(6).upper()}"
        intent = PaymentIntent(
            order_id=order_id,
            account_id=account_id,
            service=service,
            amount=amount,
            currency="UAH",
            status="created",
            provider=provider,
            login_id=login_id,
            created_at=now,
            updated_at=now,
            expires_at=now + intent_ttl(),
        )
        session.add(intent)
        _audit_step(
            session,
            login_id,
            now,
            "payment.intent_created",
            order_id,
            account=account.number,
            service=service,
            amount=str(amount),
            provider=provider,
        )
        return _view(intent, account.number, now)


def _audit_step(
    session: Session, login_id: int, now: dt.datetime, action: str, order_id: str, **details: object
) -> None:
    """A step the consumer took with an intent, audited under the consumer's login."""
    login = session.get_one(ConsumerLogin, login_id)
    audit.consumer_action(session, login.login, action, "payment_intent", order_id, at=now, **details)


def _owned_intent(session: Session, login_id: int, order_id: str) -> tuple[PaymentIntent, Account]:
    intent = session.scalar(select(PaymentIntent).where(PaymentIntent.order_id == order_id))
    if intent is None:
        raise DomainError("payment.unknown_order")
    require_link(session, login_id, intent.account_id)
    return intent, session.get_one(Account, intent.account_id)


def begin_checkout(
    sessions: sessionmaker[Session],
    login_id: int,
    order_id: str,
    settings: PaymentSettings,
    language: str = "uk",
    now: dt.datetime | None = None,
) -> liqpay.Checkout:
    """Hand the consumer to the provider: created → pending, and the signed checkout request to follow."""
    now = now or clock.now()
    with sessions.begin() as session:
        intent, account = _owned_intent(session, login_id, order_id)
        status = _effective_status(intent, now)
        if status not in OPEN_STATUSES:
            raise DomainError(f"payment.status_{status}")
        provider = provider_for(settings)
        if provider.name != intent.provider:
            raise DomainError("payment.unavailable")
        if intent.status == "created":
            intent.status, intent.updated_at = "pending", now
            _audit_step(session, login_id, now, "payment.checkout", order_id, provider=intent.provider)
        view = _view(intent, account.number, now)
    return provider.checkout(
        view, result_url=settings.result_url(order_id), server_url=settings.server_url, language=language
    )


def intent_for_consumer(
    sessions: sessionmaker[Session], login_id: int, order_id: str, now: dt.datetime | None = None
) -> IntentView:
    now = now or clock.now()
    with sessions() as session:
        intent, account = _owned_intent(session, login_id, order_id)
        return _view(intent, account.number, now)


def intent_status(
    sessions: sessionmaker[Session], order_id: str, now: dt.datetime | None = None, shown: bool = False
) -> str | None:
    """Only the status, for a consumer returning from the provider before logging in (no account details);
    `shown`: as the consumer reads it (`consumer_status`)."""
    now = now or clock.now()
    with sessions() as session:
        intent = session.scalar(select(PaymentIntent).where(PaymentIntent.order_id == order_id))
        if intent is None:
            return None
        status = _effective_status(intent, now)
        return consumer_status(status, intent.provider_status) if shown else status


def recent_intents(
    sessions: sessionmaker[Session], login_id: int, account_id: int, limit: int = 10, now: dt.datetime | None = None
) -> list[IntentView]:
    """The account's latest payments through the cabinet, each with its status."""
    now = now or clock.now()
    with sessions() as session:
        require_link(session, login_id, account_id)
        number = session.get_one(Account, account_id).number
        rows = session.scalars(
            select(PaymentIntent)
            .where(PaymentIntent.account_id == account_id)
            .order_by(PaymentIntent.created_at.desc(), PaymentIntent.id.desc())
            .limit(limit)
        )
        return [_view(intent, number, now) for intent in rows]


def demo_settle(
    sessions: sessionmaker[Session],
    login_id: int,
    order_id: str,
    succeed: bool,
    settings: PaymentSettings,
    now: dt.datetime | None = None,
) -> CallbackResult:
    """The demo provider's "pay" / "decline" buttons: a signed callback through the same path as LiqPay's."""
    if settings.provider != "demo":
        raise DomainError("payment.unavailable")
    with sessions() as session:
        intent, _account = _owned_intent(session, login_id, order_id)
        amount, provider = intent.amount, intent.provider
    if provider != "demo":
        raise DomainError("payment.unavailable")
    demo = DemoProvider(settings.demo_keys, settings.public_base_url)
    data, signature = demo.callback(order_id, amount, "sandbox" if succeed else "failure")
    return handle_callback(sessions, data, signature, settings, now=now)


# ----------------------------------------------------------------------------------------------- expiry


def _expire_stale(session: Session, now: dt.datetime, account_id: int | None = None) -> int:
    query = select(PaymentIntent).where(PaymentIntent.status.in_(OPEN_STATUSES), PaymentIntent.expires_at <= now)
    if account_id is not None:
        query = query.where(PaymentIntent.account_id == account_id)
    expired = 0
    for intent in session.scalars(query.with_for_update()):
        intent.status, intent.updated_at = "expired", now
        audit.system_action(session, "payments", "payment.expired", "payment_intent", intent.order_id, at=now)
        expired += 1
    return expired


def expire_stale_intents(sessions: sessionmaker[Session], now: dt.datetime | None = None) -> int:
    """Open intents past their expiry become expired (a late success from the provider still credits them)."""
    from core.jobs import lock

    now = now or clock.now()
    with sessions.begin() as session:
        lock(session, "expire-payments")
        return _expire_stale(session, now)
