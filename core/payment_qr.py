"""The payment QR code's data in the National Bank of Ukraine's format (pure functions, no image).

The QR code follows the NBU rules for QR codes of credit transfers (Resolution of the NBU Board No. 97 of
19.08.2025, appendix 4, format 003): the image holds `https://qr.bank.gov.ua/` followed by the Base64URL (no
padding) of 17 fields joined by LF, in this order: service mark `BCD`, format `003`, encoding (`2` = Windows-1251,
the smaller one for Cyrillic), function `UCT`, an empty reserved field (formerly the BIC), recipient, IBAN, amount
(`UAH1866.66`), recipient code (EDRPOU), category/purpose code, reference, purpose, display text, lock mask,
valid-until, created-at, signature. Every banking app in Ukraine reads it and fills in the transfer; a transfer
to the utility's own IBAN costs the payer no commission.
"""

from __future__ import annotations

import base64
import datetime as dt
import string
from decimal import Decimal

from core.i18n import t

KOPECK = Decimal("0.01")
MAX_QR_AMOUNT = Decimal("999999999.99")

QR_APP_START = "https://qr.bank.gov.ua/"
SERVICE_MARK, FORMAT_VERSION, ENCODING_WIN1251, FUNCTION = "BCD", "003", "2", "UCT"
# Field 10 is required; ISO 20022 "other/other" says honestly that no narrower code applies (an empty field is
# refused by some banking apps).
CATEGORY = "OTHR/OTHR"
FIELD_COUNT = 17
_FORBIDDEN = {chr(127), chr(152), "\u00a0"}  # appendix 1, item 4: codes 32-255 of Windows-1251 except these


class QrDataError(ValueError):
    """A field the NBU format cannot carry (a wrong IBAN or code, a character outside Windows-1251)."""


def iban_is_valid(iban: str) -> bool:
    """A Ukrainian IBAN: UA, 27 digits, and the ISO 13616 check digits (mod 97 == 1)."""
    if len(iban) != 29 or not iban.startswith("UA") or not iban[2:].isdigit():
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def text_is_encodable(value: str) -> bool:
    """Printable in the format: Windows-1251, no control characters (LF separates the fields), none forbidden."""
    if any(ord(c) < 32 or c in _FORBIDDEN for c in value):
        return False
    try:
        value.encode("cp1251")
    except UnicodeEncodeError:
        return False
    return True


def qr_amount(amount: Decimal) -> str:
    """Field 8: `UAH` and the amount with a point and two decimals (`UAH1866.66`)."""
    amount = amount.quantize(KOPECK)
    if amount <= 0 or amount > MAX_QR_AMOUNT:
        raise QrDataError(f"amount {amount} is outside 0.01-{MAX_QR_AMOUNT}")
    return f"UAH{amount:.2f}"


def qr_fields(*, recipient: str, iban: str, amount: Decimal, edrpou: str, purpose: str) -> list[str]:
    """The 17 fields of the format-003 data structure, in the rules' order."""
    iban = "".join(iban.split()).upper()
    if not iban_is_valid(iban):
        raise QrDataError("IBAN is not a valid Ukrainian IBAN")
    if not (edrpou.isdigit() and len(edrpou) in (8, 10)):
        raise QrDataError("the recipient code must be 8 (EDRPOU) or 10 digits")
    for name, value, limit in (("recipient", recipient, 140), ("purpose", purpose, 420)):
        if not value.strip() or len(value) > limit or not text_is_encodable(value):
            raise QrDataError(f"{name} cannot be carried by the QR code")
    return [
        SERVICE_MARK,
        FORMAT_VERSION,
        ENCODING_WIN1251,
        FUNCTION,
        "",
        recipient,
        iban,
        qr_amount(amount),
        edrpou,
        CATEGORY,
        "",
        purpose,
        "",
        "",
        "",
        "",
        "",
    ]


def qr_content(**payment: object) -> str:
    """What the QR image holds: the NBU start address and the Base64URL of the fields (Windows-1251)."""
    data = "\n".join(qr_fields(**payment)).encode("cp1251")  # type: ignore[arg-type]
    return QR_APP_START + base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def parse_qr_content(content: str) -> list[str]:
    """The fields back from a scanned QR code (what a banking app does)."""
    if not content.startswith(QR_APP_START):
        raise QrDataError("not an NBU payment QR code")
    encoded = content[len(QR_APP_START) :]
    if set(encoded) - set(string.ascii_letters + string.digits + "-_"):
        raise QrDataError("not Base64URL")
    data = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    return data.decode("cp1251").split("\n")


def qr_purpose(service: str, account_number: str, month: dt.date) -> str:
    """The purpose the utility's bank statement shows: the service, the account and the billing month."""
    return f"Оплата за {t(f'service.{service}', 'uk').lower()}, о/р {account_number}, за {month:%m.%Y}"
