"""How an import conflict reads on the staff pages: which record, what is stored, what the file says."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from core import formatting
from core.import_conflicts import RecordName
from ui import staff_view as view
from ui.staff_text import Names, language, tr

KIND_NAMES = Names("staff.conflict_kind.", ("bank", "charges", "readings"))
STATUS_NAMES = Names("staff.conflict_status.", ("open", "resolved", "dismissed"))
FIELD_NAMES = Names(
    "staff.field.",
    (
        "account_number",
        "service",
        "amount",
        "paid_at",
        "channel",
        "volume",
        "tariff",
        "discount_percent",
        "amount_to_pay",
        "meter_serial",
        "value",
        "read_at",
    ),
)
MONEY = {"amount", "amount_to_pay", "tariff"}


def shown(name: str, text: str | None, missing: str = "—") -> str:
    """A stored or incoming value (the conflict keeps them as plain text) in the staff language's words and
    notation: money, volumes, a percent, a time in Kyiv, a service's or a payment channel's name; `missing` when
    the side has no value for the field."""
    if not text:
        return missing
    lang = language()
    try:
        if name in MONEY:
            return formatting.money(Decimal(text), lang)
        if name == "value":
            return formatting.volume(Decimal(text), lang)
        if name == "volume":
            return formatting.number(Decimal(text), lang, places=3)
        if name == "discount_percent":
            return formatting.percent(Decimal(text), lang)
        if name in ("paid_at", "read_at"):
            return formatting.datetime(dt.datetime.fromisoformat(text), lang)
    except (ArithmeticError, ValueError):
        return text
    if name == "service":
        return view.SERVICE_NAMES.get(text, text)
    if name == "channel":
        return view.PAYMENT_CHANNEL_NAMES.get(text, text)
    return text


def comparison(stored: dict[str, str], incoming: dict[str, str]) -> list[dict[str, str]]:
    """Field by field, what is stored and what the file says, in words; a field one side lacks says so."""
    names = [*incoming, *(name for name in stored if name not in incoming)]
    return [
        {
            tr("staff.conflicts.field"): FIELD_NAMES.get(name, name),
            tr("staff.conflicts.stored"): shown(name, stored.get(name), tr("staff.conflicts.missing_stored")),
            tr("staff.conflicts.in_file"): shown(name, incoming.get(name), tr("staff.conflicts.missing_in_file")),
        }
        for name in names
    ]


def differences(stored: dict[str, str], incoming: dict[str, str]) -> str:
    """`сума: 15,00 ₴ → 1 500,00 ₴`, one per differing field."""
    return "; ".join(
        f"{FIELD_NAMES.get(name, name)}: {shown(name, stored[name])} → {shown(name, value)}"
        for name, value in incoming.items()
        if name in stored and stored[name] != value
    )


def record(conflict) -> str:
    """The record a conflict is about, in words, in the staff language (core.import_conflicts.RecordName)."""
    return RecordName(conflict.kind, conflict.key).localized(language())


def row(conflict) -> dict[str, object]:
    """One table row for a conflict of a preview (core.import_conflicts.Conflict) or of the list (ConflictView)."""
    return {
        tr("staff.conflict.col_line"): conflict.line,
        tr("staff.conflict.col_what"): KIND_NAMES.get(conflict.kind, conflict.kind),
        tr("staff.conflict.col_key"): record(conflict),
        tr("staff.conflict.col_differences"): differences(conflict.stored, conflict.incoming),
        tr("staff.conflict.col_status"): STATUS_NAMES.get(conflict.status, conflict.status),
    }
