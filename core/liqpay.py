"""LiqPay API version 3, written from the documented protocol (the published Python 3 SDK signs the wrong string).

    data      = base64(JSON request)
    signature = base64(raw binary SHA-1 digest of private_key + data + private_key)

The consumer's browser is sent to CHECKOUT_URL with data and signature; LiqPay POSTs the same pair, describing
the payment, to the request's server_url, and the callback is verified with the same formula.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

CHECKOUT_URL = "https://www.liqpay.ua/api/3/checkout"
VERSION = 3

# Statuses LiqPay reports in a callback (https://www.liqpay.ua/documentation/api/callback).
PAID_STATUSES = frozenset({"success"})
SANDBOX_STATUS = "sandbox"
FAILED_STATUSES = frozenset({"failure", "error"})
REVERSED_STATUSES = frozenset({"reversed"})
WAITING_STATUSES = frozenset(
    {
        "processing",
        "prepared",
        "wait_accept",
        "wait_secure",
        "wait_card",
        "wait_compensation",
        "wait_lc",
        "wait_reserve",
        "wait_sender",
        "wait_qr",
        "invoice_wait",
        "hold_wait",
        "cash_wait",
        "3ds_verify",
        "captcha_verify",
        "cvv_verify",
        "ivr_verify",
        "otp_verify",
        "password_verify",
        "phone_verify",
        "pin_verify",
        "receiver_verify",
        "sender_verify",
        "senderapp_verify",
    }
)


class InvalidCallback(ValueError):
    """The data/signature pair is not a well-formed, correctly signed LiqPay message."""


def _json_value(value: object) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")  # a JSON number, exactly as many kopecks as the Decimal holds
    return json.dumps(value, ensure_ascii=False)


def encode_data(params: dict[str, object]) -> str:
    """base64 of the UTF-8 JSON object; Decimal amounts become JSON numbers without passing through float."""
    body = "{" + ",".join(f"{json.dumps(key)}:{_json_value(value)}" for key, value in params.items()) + "}"
    return base64.b64encode(body.encode("utf-8")).decode("ascii")


def decode_data(data: str) -> dict[str, object]:
    """The JSON object inside data; numbers come back as Decimal."""
    try:
        decoded = json.loads(
            base64.b64decode(data.encode("ascii"), validate=True).decode("utf-8"),
            parse_float=Decimal,
            parse_int=Decimal,
        )
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise InvalidCallback("data is not base64 JSON") from exc
    if not isinstance(decoded, dict):
        raise InvalidCallback("data is not a JSON object")
    return decoded


def sign(private_key: str, data: str) -> str:
    digest = hashlib.sha1((private_key + data + private_key).encode("utf-8")).digest()
    return base64.b64encode(digest).decode("ascii")


def verify(private_key: str, data: str, signature: str) -> bool:
    if not private_key or not data or not signature:
        return False
    return hmac.compare_digest(sign(private_key, data).encode("ascii"), signature.strip().encode("ascii", "replace"))


@dataclass(frozen=True)
class Keys:
    public_key: str
    private_key: str
    sandbox: bool = False


@dataclass(frozen=True)
class Checkout:
    """What the consumer's browser takes to LiqPay: a link, or a form posting data and signature to `url`."""

    url: str
    data: str
    signature: str

    @property
    def link(self) -> str:
        return f"{self.url}?{urlencode({'data': self.data, 'signature': self.signature})}"


def checkout_request(
    keys: Keys,
    *,
    order_id: str,
    amount: Decimal,
    description: str,
    result_url: str,
    server_url: str,
    expires_at: dt.datetime | None = None,
    language: str = "uk",
) -> dict[str, object]:
    params: dict[str, object] = {
        "public_key": keys.public_key,
        "version": VERSION,
        "action": "pay",
        "amount": amount,
        "currency": "UAH",
        "description": description,
        "order_id": order_id,
        "result_url": result_url,
        "server_url": server_url,
        "language": language if language in ("uk", "en") else "uk",
    }
    if expires_at is not None:
        params["expired_date"] = expires_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    if keys.sandbox:
        params["sandbox"] = 1
    return params


def checkout(keys: Keys, **request: object) -> Checkout:
    data = encode_data(checkout_request(keys, **request))  # type: ignore[arg-type]
    return Checkout(CHECKOUT_URL, data, sign(keys.private_key, data))
