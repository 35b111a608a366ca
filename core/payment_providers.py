"""Where cabinet payments go: the payment settings (LiqPay, the demo provider or none) and the providers.

Both providers speak the LiqPay v3 protocol. The real one is LiqPay; without keys the demo provider signs its
callbacks with a local demo key and hands them to the same `handle_callback` (core.payment_callbacks) the HTTP
route calls.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from core import liqpay
from core.config import Settings, settings
from core.errors import DomainError
from core.i18n import t

if TYPE_CHECKING:
    from core.payments import IntentView


CALLBACK_PATH = "/payments/liqpay/callback"
RESULT_PATH = "/pay-result"
DEMO_PATH = "/pay-demo"


@dataclass(frozen=True)
class PaymentSettings:
    """Which provider takes payments, derived from the process's settings (core.config: the environment with
    .streamlit/secrets.toml on top).

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
    def load(cls, environ: Mapping[str, object] | None = None) -> PaymentSettings:
        """From the process's settings, or (tests) from the settings of `environ`."""
        return cls.of(settings() if environ is None else Settings.from_environ(environ))

    @classmethod
    def of(cls, configured: Settings) -> PaymentSettings:
        public, private = configured.liqpay_public_key, configured.liqpay_private_key
        base = (configured.public_base_url or "http://localhost:8501").rstrip("/")
        demo = liqpay.Keys("demo", configured.demo_payment_key, sandbox=True)
        if not configured.online_payments:
            return cls("off", base, None, demo)
        if public and private:
            return cls("liqpay", base, liqpay.Keys(public, private, configured.liqpay_sandbox), demo)
        demo_on = configured.demo and configured.demo_payments
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


def description(account_number: str, service: str) -> str:
    """What the bank statement and the provider's page show: the service and the account, in Ukrainian."""
    return f"Оплата: {t('service.' + service, 'uk').lower()}, особовий рахунок {account_number}, без комісії"


class PaymentProvider(Protocol):
    """Where the consumer pays. `checkout` is what the browser is sent to; the provider answers by callback."""

    @property
    def name(self) -> str: ...

    def checkout(self, intent: IntentView, *, result_url: str, server_url: str, language: str) -> liqpay.Checkout: ...


def _signed_checkout(
    url: str, keys: liqpay.Keys, intent: IntentView, result_url: str, server_url: str, language: str
) -> liqpay.Checkout:
    """The intent's checkout request, signed with `keys`, to be posted to `url` (LiqPay's or the demo's page)."""
    request = liqpay.checkout_request(
        keys,
        order_id=intent.order_id,
        amount=intent.amount,
        description=description(intent.account_number, intent.service),
        result_url=result_url,
        server_url=server_url,
        expires_at=intent.expires_at,
        language=language,
    )
    data = liqpay.encode_data(request)
    return liqpay.Checkout(url, data, liqpay.sign(keys.private_key, data))


@dataclass(frozen=True)
class LiqPayProvider:
    keys: liqpay.Keys
    name: str = "liqpay"

    def checkout(self, intent: IntentView, *, result_url: str, server_url: str, language: str) -> liqpay.Checkout:
        return _signed_checkout(liqpay.CHECKOUT_URL, self.keys, intent, result_url, server_url, language)


@dataclass(frozen=True)
class DemoProvider:
    """Stands in for LiqPay when no keys are configured: the same signed messages, and no money moves."""

    keys: liqpay.Keys
    base_url: str
    name: str = "demo"

    def checkout(self, intent: IntentView, *, result_url: str, server_url: str, language: str) -> liqpay.Checkout:
        url = f"{self.base_url}{DEMO_PATH}"
        return _signed_checkout(url, self.keys, intent, result_url, server_url, language)

    def callback(self, order_id: str, amount: Decimal, status: str) -> tuple[str, str]:
        """The data/signature pair LiqPay would POST to server_url for this outcome."""
        data = liqpay.encode_data(
            {
                "public_key": self.keys.public_key,
                "version": liqpay.VERSION,
                "action": "pay",
                "status": status,
                "order_id": order_id,
                "amount": amount,
                "currency": "UAH",
                "payment_id": f"DEMO-{secrets.token_hex(6).upper()}",
                **({"err_description": "Оплату відхилено в демонстраційному режимі"} if status == "failure" else {}),
            }
        )
        return data, liqpay.sign(self.keys.private_key, data)


def provider_for(settings: PaymentSettings) -> PaymentProvider:
    if settings.provider == "liqpay" and settings.liqpay_keys is not None:
        return LiqPayProvider(settings.liqpay_keys)
    if settings.provider == "demo":
        return DemoProvider(settings.demo_keys, settings.public_base_url)
    raise DomainError("payment.unavailable")
