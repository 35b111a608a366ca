"""LiqPay v3 encoding and signature, checked against values computed independently of core.liqpay."""

import base64
import datetime as dt
import hashlib
import json
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from core import liqpay
from core.clock import KYIV

PRIVATE = "sandbox_secret"
# Computed once with the shell, not with Python:
#   printf '%s' "sandbox_secret${DATA}sandbox_secret" | openssl sha1 -binary | base64
KNOWN_DATA = (
    "eyJwdWJsaWNfa2V5Ijoic2FuZGJveF9pMDAwIiwidmVyc2lvbiI6MywiYWN0aW9uIjoicGF5IiwiYW1vdW50IjoxODY2LjY2LCJjdXJyZW5j"
    "eSI6IlVBSCIsImRlc2NyaXB0aW9uIjoidGVzdCIsIm9yZGVyX2lkIjoiVEMtMSJ9"
)
KNOWN_SIGNATURE = "l9AdgtOLN4VG8GQ02PyuMJFxNtw="
KNOWN_HEX = "97d01d82d38b378546f06434d8fcae30917136dc"


def test_signature_matches_an_independently_computed_value():
    assert liqpay.sign(PRIVATE, KNOWN_DATA) == KNOWN_SIGNATURE


def test_signature_is_base64_of_the_raw_digest_not_of_the_hex_string():
    assert base64.b64decode(liqpay.sign(PRIVATE, KNOWN_DATA)).hex() == KNOWN_HEX
    hex_variant = base64.b64encode(KNOWN_HEX.encode()).decode()
    assert liqpay.sign(PRIVATE, KNOWN_DATA) != hex_variant
    assert not liqpay.verify(PRIVATE, KNOWN_DATA, hex_variant)


def test_encoding_produces_the_same_data_as_the_documented_json():
    params = {
        "public_key": "sandbox_i000",
        "version": 3,
        "action": "pay",
        "amount": Decimal("1866.66"),
        "currency": "UAH",
        "description": "test",
        "order_id": "TC-1",
    }
    assert liqpay.encode_data(params) == KNOWN_DATA


def _checkout():
    keys = liqpay.Keys("sandbox_i000", PRIVATE, sandbox=True)
    return liqpay.checkout(
        keys,
        order_id="TC-20200302-ABC",
        amount=Decimal("1866.66"),
        description="Оплата: опалення, особовий рахунок 1120200001000",
        result_url="https://cab.example/pay-result",
        server_url="https://cab.example/payments/liqpay/callback",
        expires_at=dt.datetime(2020, 3, 3, 12, 0, tzinfo=KYIV),
    )


def test_checkout_request_carries_every_documented_field():
    checkout = _checkout()
    request = json.loads(base64.b64decode(checkout.data))
    assert request == {
        "public_key": "sandbox_i000",
        "version": 3,
        "action": "pay",
        "amount": 1866.66,
        "currency": "UAH",
        "description": "Оплата: опалення, особовий рахунок 1120200001000",
        "order_id": "TC-20200302-ABC",
        "result_url": "https://cab.example/pay-result",
        "server_url": "https://cab.example/payments/liqpay/callback",
        "language": "uk",
        "expired_date": "2020-03-03 10:00:00",
        "sandbox": 1,
    }
    # the amount travels as a JSON number with exactly the kopecks asked for
    assert b'"amount":1866.66,' in base64.b64decode(checkout.data)
    expected = base64.b64encode(hashlib.sha1((PRIVATE + checkout.data + PRIVATE).encode()).digest()).decode()
    assert checkout.signature == expected
    assert checkout.url == "https://www.liqpay.ua/api/3/checkout"


def test_checkout_link_round_trips_data_and_signature():
    checkout = _checkout()
    parts = urlsplit(checkout.link)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://www.liqpay.ua/api/3/checkout"
    query = parse_qs(parts.query)
    assert query == {"data": [checkout.data], "signature": [checkout.signature]}


def test_production_request_has_no_sandbox_flag():
    keys = liqpay.Keys("i000", PRIVATE)
    request = liqpay.checkout_request(
        keys, order_id="X", amount=Decimal("1.00"), description="d", result_url="r", server_url="s"
    )
    assert "sandbox" not in request


def test_callback_verifies_and_decodes_amounts_as_decimal():
    data = base64.b64encode(json.dumps({"status": "success", "amount": 1866.66, "order_id": "TC-1"}).encode()).decode()
    signature = base64.b64encode(hashlib.sha1((PRIVATE + data + PRIVATE).encode()).digest()).decode()
    assert liqpay.verify(PRIVATE, data, signature)
    params = liqpay.decode_data(data)
    assert params["amount"] == Decimal("1866.66") and params["status"] == "success"


@pytest.mark.parametrize("tamper", ["data", "signature", "key"])
def test_tampered_data_signature_or_key_is_rejected(tamper):
    data, signature, key = KNOWN_DATA, KNOWN_SIGNATURE, PRIVATE
    if tamper == "data":
        # the same request with 1.66 instead of 1866.66, re-encoded: a consumer trying to pay less
        body = base64.b64decode(data).replace(b"1866.66", b"1.66")
        data = base64.b64encode(body).decode()
    elif tamper == "signature":
        signature = signature[:-2] + ("A=" if signature[-2] != "A" else "B=")
    else:
        key = "another_secret"
    assert not liqpay.verify(key, data, signature)


@pytest.mark.parametrize("data,signature", [("", ""), (KNOWN_DATA, ""), ("", KNOWN_SIGNATURE), ("@@@", "é")])
def test_missing_or_garbage_input_is_rejected_without_error(data, signature):
    assert not liqpay.verify(PRIVATE, data, signature)


def test_signed_garbage_is_not_a_valid_callback():
    data = base64.b64encode(b"[1, 2]").decode()
    assert liqpay.verify(PRIVATE, data, liqpay.sign(PRIVATE, data))
    with pytest.raises(liqpay.InvalidCallback):
        liqpay.decode_data(data)
