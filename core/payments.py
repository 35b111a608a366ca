"""Paying through the cabinet: payment intents, the provider they go to, and the provider's callback.

An intent is what a consumer asked to pay (account, service, amount, a unique order id). Its status moves
    created → pending → paid | failed | expired
and a paid intent the provider reverses shows as `reversed`: its payment stays in the ledger and a reversing
entry (the negative amount, linked to it by `reverses_id`) takes the money back.
`created` when the Pay screen records it, `pending` once the consumer is sent to the provider (or the provider
reports the payment in progress), `paid` only when a correctly signed callback (or the bank registry) confirms
the money, which then becomes exactly one payment on the account and service asked for. No commission: the
payment credited is the amount the consumer paid, to the kopeck.

Both providers speak the LiqPay v3 protocol. The real one is LiqPay; without keys the demo provider signs its
callbacks with a local demo key and hands them to the same `handle_callback` the HTTP route calls.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from core import audit, clock, liqpay
from core.config import CALLBACK_REJECTION_PERIOD_MINUTES
from core.consumers import require_link
from core.errors import DomainError
from core.i18n import t
from core.parsing import parse_amount, parse_service
from db.models import Account, ConsumerLogin, Payment, PaymentIntent

log = logging.getLogger(__name__)

OPEN_STATUSES = ("created", "pending")
# What the consumer is shown (`consumer_status`): an open intent the bank has said nothing about is `unfinished`
# ("not completed": prepared in the cabinet, never confirmed at the bank, no money taken); it is `pending`
# ("awaiting the bank's confirmation") only once the provider reports the payment in progress.
SHOWN_OPEN_STATUSES = ("unfinished", "pending")
STATUSES = ("created", "pending", "paid", "failed", "expired", "reversed")
INTENT_TTL = dt.timedelta(minutes=int(os.environ.get("TEPLO_PAYMENT_TTL_MINUTES", 24 * 60)))
CALLBACK_PATH = "/payments/liqpay/callback"
RESULT_PATH = "/pay-result"
DEMO_PATH = "/pay-demo"

_PROCESS_DEMO_KEY = secrets.token_urlsafe(32)


# ----------------------------------------------------------------------------------------------- settings


def _flag(value: object) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class PaymentSettings:
    """Which provider takes payments. From the environment, with Streamlit secrets (if given) on top.

    LIQPAY_PUBLIC_KEY + LIQPAY_PRIVATE_KEY: pay through LiqPay (LIQPAY_SANDBOX=1: LiqPay's test mode).
    Neither set: in demo mode (TEPLO_DEMO=1) the demo provider (no money moves), unless TEPLO_DEMO_PAYMENTS=0
    turns it off; in production, online payment is off (never a demo payment stored as a real one).
    TEPLO_ONLINE_PAYMENTS=0 turns online payment off in either mode.
    PUBLIC_BASE_URL: where the cabinet is reachable from the internet (result_url and server_url).
    """

    provider: str  # "liqpay", "demo" or "off"
    public_base_url: str
    liqpay_keys: liqpay.Keys | None
    demo_keys: liqpay.Keys

    @classmethod
    def load(cls, overrides: Mapping[str, object] | None = None,
             environ: Mapping[str, str] | None = None) -> PaymentSettings:
        source: dict[str, object] = dict(os.environ if environ is None else environ)
        source.update({k: v for k, v in (overrides or {}).items() if isinstance(v, (str, int, bool))})
        public = str(source.get("LIQPAY_PUBLIC_KEY") or "").strip()
        private = str(source.get("LIQPAY_PRIVATE_KEY") or "").strip()
        base = str(source.get("PUBLIC_BASE_URL") or "http://localhost:8501").strip().rstrip("/")
        demo = liqpay.Keys("demo", str(source.get("TEPLO_DEMO_PAYMENT_KEY") or _PROCESS_DEMO_KEY), sandbox=True)
        from core.config import demo_mode
        from core.deployment import online_payments_wanted

        if not online_payments_wanted(source):
            return cls("off", base, None, demo)
        if public and private:
            return cls("liqpay", base, liqpay.Keys(public, private, _flag(source.get("LIQPAY_SANDBOX", ""))), demo)
        demo_on = demo_mode(source) and str(source.get("TEPLO_DEMO_PAYMENTS", "1")).strip().lower() not in (
            "0", "false", "no", "off")
        return cls("demo" if demo_on else "off", base, None, demo)

    def keys_of(self, provider: str) -> liqpay.Keys | None:
        if provider == "liqpay":
            return self.liqpay_keys
        if provider == "demo" and self.provider == "demo":
            return self.demo_keys
        return None

    def result_url(self, order_id: str) -> str:
        return f"{self.public_base_url}{RESULT_PATH}?order={order_id}"

    @property
    def server_url(self) -> str:
        return f"{self.public_base_url}{CALLBACK_PATH}"


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


def consumer_status(status: str, provider_status: str | None) -> str:
    """The status a consumer reads. A payment only prepared (or handed to the provider with no word back) has
    taken no money and may never be paid: "not completed", never "awaiting the bank's confirmation", which is
    kept for a payment the bank has reported in progress (a waiting status in its callback)."""
    if status in OPEN_STATUSES:
        return "pending" if provider_status in liqpay.WAITING_STATUSES else "unfinished"
    return status


def _effective_status(intent: PaymentIntent, now: dt.datetime) -> str:
    """An open intent past its expiry is expired, even before expire_stale_intents has written it down."""
    if intent.status in OPEN_STATUSES and intent.expires_at is not None and intent.expires_at <= now:
        return "expired"
    if intent.status == "paid" and intent.provider_status in liqpay.REVERSED_STATUSES:
        return "reversed"
    return intent.status


def _view(intent: PaymentIntent, number: str, now: dt.datetime) -> IntentView:
    return IntentView(intent.order_id, number, intent.service, intent.amount, _effective_status(intent, now),
                      intent.provider, intent.created_at, intent.expires_at, intent.paid_at, intent.last_error,
                      intent.account_id, intent.provider_status)


def description(account_number: str, service: str) -> str:
    """What the bank statement and the provider's page show: the service and the account, in Ukrainian."""
    return f"Оплата: {t('service.' + service, 'uk').lower()}, особовий рахунок {account_number}, без комісії"


# ----------------------------------------------------------------------------------------------- providers


class PaymentProvider(Protocol):
    """Where the consumer pays. `checkout` is what the browser is sent to; the provider answers by callback."""

    name: str

    def checkout(self, intent: IntentView, *, result_url: str, server_url: str, language: str) -> liqpay.Checkout:
        ...


@dataclass(frozen=True)
class LiqPayProvider:
    keys: liqpay.Keys
    name: str = "liqpay"

    def checkout(self, intent: IntentView, *, result_url: str, server_url: str, language: str) -> liqpay.Checkout:
        return liqpay.checkout(
            self.keys, order_id=intent.order_id, amount=intent.amount,
            description=description(intent.account_number, intent.service), result_url=result_url,
            server_url=server_url, expires_at=intent.expires_at, language=language,
        )


@dataclass(frozen=True)
class DemoProvider:
    """Stands in for LiqPay when no keys are configured: the same signed messages, and no money moves."""

    keys: liqpay.Keys
    base_url: str
    name: str = "demo"

    def checkout(self, intent: IntentView, *, result_url: str, server_url: str, language: str) -> liqpay.Checkout:
        request = liqpay.checkout_request(
            self.keys, order_id=intent.order_id, amount=intent.amount,
            description=description(intent.account_number, intent.service), result_url=result_url,
            server_url=server_url, expires_at=intent.expires_at, language=language,
        )
        data = liqpay.encode_data(request)
        return liqpay.Checkout(f"{self.base_url}{DEMO_PATH}", data, liqpay.sign(self.keys.private_key, data))

    def callback(self, order_id: str, amount: Decimal, status: str) -> tuple[str, str]:
        """The data/signature pair LiqPay would POST to server_url for this outcome."""
        data = liqpay.encode_data({
            "public_key": self.keys.public_key, "version": liqpay.VERSION, "action": "pay", "status": status,
            "order_id": order_id, "amount": amount, "currency": "UAH",
            "payment_id": f"DEMO-{secrets.token_hex(6).upper()}",
            **({"err_description": "Оплату відхилено в демонстраційному режимі"} if status == "failure" else {}),
        })
        return data, liqpay.sign(self.keys.private_key, data)


def provider_for(settings: PaymentSettings) -> PaymentProvider:
    if settings.provider == "liqpay" and settings.liqpay_keys is not None:
        return LiqPayProvider(settings.liqpay_keys)
    if settings.provider == "demo":
        return DemoProvider(settings.demo_keys, settings.public_base_url)
    raise DomainError("payment.unavailable")


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
) -> IntentView:
    now = now or clock.now()
    service = parse_service(service)
    amount = parse_amount(amount_text, lang=language)
    from core.config import demo_mode

    if provider not in ("liqpay", "demo") or (provider == "demo" and not demo_mode()):
        raise DomainError("payment.unavailable")  # a demo payment is never stored outside demo mode
    with sessions.begin() as session:
        require_link(session, login_id, account_id)
        account = session.get_one(Account, account_id)
        if not (account.has_heating if service == "heating" else account.has_hot_water):
            raise DomainError("service.not_on_account")
        _expire_stale(session, now, account_id=account_id)
        order_id = f"TC-{now:%Y%m%d}-{secrets.token_hex(6).upper()}"
        intent = PaymentIntent(
            order_id=order_id, account_id=account_id, service=service, amount=amount, currency="UAH",
            status="created", provider=provider, login_id=login_id, created_at=now, updated_at=now,
            expires_at=now + INTENT_TTL,
        )
        session.add(intent)
        login = session.get_one(ConsumerLogin, login_id)
        audit.record(session, at=now, actor_type="consumer", actor=login.login, action="payment.intent_created",
                     entity="payment_intent", entity_id=order_id, account=account.number, service=service,
                     amount=str(amount), provider=provider)
        return _view(intent, account.number, now)


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
            login = session.get_one(ConsumerLogin, login_id)
            audit.record(session, at=now, actor_type="consumer", actor=login.login, action="payment.checkout",
                         entity="payment_intent", entity_id=order_id, provider=intent.provider)
        view = _view(intent, account.number, now)
    return provider.checkout(view, result_url=settings.result_url(order_id), server_url=settings.server_url,
                             language=language)


def intent_for_consumer(sessions: sessionmaker[Session], login_id: int, order_id: str,
                        now: dt.datetime | None = None) -> IntentView:
    now = now or clock.now()
    with sessions() as session:
        intent, account = _owned_intent(session, login_id, order_id)
        return _view(intent, account.number, now)


def intent_status(sessions: sessionmaker[Session], order_id: str, now: dt.datetime | None = None,
                  shown: bool = False) -> str | None:
    """Only the status, for a consumer returning from the provider before logging in (no account details);
    `shown`: as the consumer reads it (`consumer_status`)."""
    now = now or clock.now()
    with sessions() as session:
        intent = session.scalar(select(PaymentIntent).where(PaymentIntent.order_id == order_id))
        if intent is None:
            return None
        status = _effective_status(intent, now)
        return consumer_status(status, intent.provider_status) if shown else status


def recent_intents(sessions: sessionmaker[Session], login_id: int, account_id: int, limit: int = 10,
                   now: dt.datetime | None = None) -> list[IntentView]:
    """The account's latest payments through the cabinet, each with its status."""
    now = now or clock.now()
    with sessions() as session:
        require_link(session, login_id, account_id)
        number = session.get_one(Account, account_id).number
        rows = session.scalars(
            select(PaymentIntent).where(PaymentIntent.account_id == account_id)
            .order_by(PaymentIntent.created_at.desc(), PaymentIntent.id.desc()).limit(limit)
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
        audit.record(session, at=now, actor_type="system", actor="payments", action="payment.expired",
                     entity="payment_intent", entity_id=intent.order_id)
        expired += 1
    return expired


def expire_stale_intents(sessions: sessionmaker[Session], now: dt.datetime | None = None) -> int:
    """Open intents past their expiry become expired (a late success from the provider still credits them)."""
    from core.jobs import lock

    now = now or clock.now()
    with sessions.begin() as session:
        lock(session, "expire-payments")
        return _expire_stale(session, now)


# ----------------------------------------------------------------------------------------------- the callback


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


def _reject(sessions: sessionmaker[Session], now: dt.datetime, reason: str, order_id: str | None,
            provider: str | None, **details: object) -> CallbackResult:
    if provider is None:
        return _reject_unsigned(sessions, now, reason, order_id, **details)
    log.warning("payment callback rejected: %s (order %s)", reason, order_id)
    with sessions.begin() as session:
        audit.record(session, at=now, actor_type="provider", actor=provider or "unknown",
                     action="payment.callback_rejected", entity="payment_intent", entity_id=order_id,
                     reason=reason, **details)
        if order_id and reason not in ("signature", "unknown_order"):
            intent = session.scalar(select(PaymentIntent).where(PaymentIntent.order_id == order_id))
            if intent is not None:
                intent.last_error, intent.updated_at = f"callback rejected: {reason}", now
    return CallbackResult("rejected", order_id, None, reason)


def _reject_unsigned(sessions: sessionmaker[Session], now: dt.datetime, reason: str, order_id: str | None,
                     **details: object) -> CallbackResult:
    """Anyone can POST an unsigned callback: count it, audit and log only the first few of each period."""
    with sessions.begin() as session:
        seen = audit.record_tallied(
            session, at=now, period_minutes=CALLBACK_REJECTION_PERIOD_MINUTES, source="unverified", reason=reason,
            actor_type="provider", actor="unknown", action="payment.callback_rejected", entity="payment_intent",
            entity_id=order_id, **details)
    if seen in (1, 10, 100) or seen % 1000 == 0:  # a log line per order of magnitude, not per request
        log.warning("payment callback rejected: %s (order %s); %d such rejections in this %d-minute period",
                    reason, order_id, seen, CALLBACK_REJECTION_PERIOD_MINUTES)
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
        return _reject(sessions, now, "signature", _unverified_order_id(data or ""), None,
                       note="order id as claimed by the unverified data")
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


def _reverse(session: Session, intent: PaymentIntent, status: str, now: dt.datetime, note) -> CallbackResult:
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
    reversal = Payment(account_id=original.account_id, service=original.service, amount=-original.amount,
                       paid_at=now, channel=original.channel, source=original.source,
                       external_ref=f"{original.external_ref}/reversal", reverses_id=original.id)
    session.add(reversal)
    session.flush()
    intent.provider_status, intent.last_error, intent.updated_at = status, "reversed by the provider", now
    note("payment.reversed", amount=str(reversal.amount), service=original.service, payment_id=original.id,
         reversal_id=reversal.id)
    return CallbackResult("reversed", intent.order_id, "reversed")


class _Rejected(Exception):
    def __init__(self, reason: str, **details: object) -> None:
        super().__init__(reason)
        self.reason, self.details = reason, details


def _apply(sessions: sessionmaker[Session], params: dict, provider: str, keys: liqpay.Keys,
           order_id: str | None, now: dt.datetime) -> CallbackResult:
    status = str(params.get("status") or "")
    with sessions.begin() as session:
        intent = None
        if order_id:
            intent = session.scalar(
                select(PaymentIntent).where(PaymentIntent.order_id == order_id).with_for_update()
            )
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
            audit.record(session, at=now, actor_type="provider", actor=provider, action=action,
                         entity="payment_intent", entity_id=intent.order_id, provider_status=status, **details)

        previous = intent.status
        if status in liqpay.PAID_STATUSES or status == liqpay.SANDBOX_STATUS:
            if previous == "paid":
                return CallbackResult("replay", order_id, "paid")
            payment = Payment(account_id=intent.account_id, service=intent.service, amount=intent.amount,
                              paid_at=now, channel="cabinet", source=provider, external_ref=intent.order_id)
            session.add(payment)
            session.flush()
            intent.status, intent.paid_at, intent.payment_id = "paid", now, payment.id
            intent.provider_payment_id = str(params.get("payment_id") or "")[:80] or None
            intent.provider_status, intent.updated_at, intent.last_error = status, now, None
            note("payment.paid", amount=str(intent.amount), service=intent.service, previous_status=previous,
                 payment_id=payment.id)
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
