"""How an import conflict reads on the staff pages: which record, what is stored, what the file says."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from core import formatting
from core.i18n import t

KIND_NAMES = {"bank": "Оплата (реєстр банку)", "charges": "Нарахування", "readings": "Показання водоканалу"}
STATUS_NAMES = {"open": "Відкритий", "resolved": "Розв'язано", "dismissed": "Відхилено"}
FIELD_NAMES = {"account_number": "рахунок", "service": "послуга", "amount": "сума", "paid_at": "дата",
               "channel": "канал", "volume": "обсяг", "tariff": "тариф", "discount_percent": "знижка, %",
               "amount_to_pay": "до сплати", "meter_serial": "лічильник", "value": "показання", "read_at": "дата"}
MONEY = {"amount", "amount_to_pay"}
VOLUME = {"volume", "value"}


def shown(name: str, text: str) -> str:
    """A stored or incoming value in the Ukrainian notation (the conflict keeps them as plain text)."""
    if not text:
        return "—"
    try:
        if name in MONEY:
            return formatting.money(Decimal(text))
        if name in VOLUME:
            return formatting.number(Decimal(text), places=3)
        if name in ("tariff", "discount_percent"):
            return formatting.number(Decimal(text), places=2)
        if name in ("paid_at", "read_at"):
            return formatting.datetime(dt.datetime.fromisoformat(text))
    except (ArithmeticError, ValueError):
        return text
    if name == "service":
        return t(f"service.{text}")
    return text


def differences(stored: dict[str, str], incoming: dict[str, str]) -> str:
    """`сума: 15,00 ₴ → 1 500,00 ₴`, one per differing field."""
    return "; ".join(f"{FIELD_NAMES.get(name, name)}: {shown(name, stored.get(name, ''))} → {shown(name, value)}"
                     for name, value in incoming.items() if name in stored and stored[name] != value)


def row(conflict) -> dict[str, object]:
    """One table row for a conflict of a preview (core.import_conflicts.Conflict) or of the list (ConflictView)."""
    return {"Рядок файлу": conflict.line, "Що": KIND_NAMES.get(conflict.kind, conflict.kind), "Ключ": conflict.key,
            "Відмінності (збережено → у файлі)": differences(conflict.stored, conflict.incoming),
            "Стан": STATUS_NAMES.get(conflict.status, conflict.status)}
