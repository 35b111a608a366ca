"""The actions journal in words (the staff look-up's «Журнал дій»): what core.audit writes (an action code, its
actor, the entity and a JSON object of details) read in the staff member's language.

Every action code the code base writes has a name in the catalog, `audit.action.<code>` (tests/unit/
test_audit_words.py finds the codes in core/ and checks both languages); a code written later without one still
reads «Інша дія (code)». The details read as a short line of their known fields, each in the catalog's words with
its value as the staff pages show it: amounts in ₴, volumes in m³, dates and times in Kyiv time, codes by name.
Internal ids and checksums are left out; an unknown field reads `name: value`; text that is not a JSON object is
shown as it is. Nothing here raises on what a row holds.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from core import formatting
from core.i18n import has, t

# Details that mean nothing to staff (ids of rows they never see, a file's checksum, the provider's raw status) or
# that repeat what the row says elsewhere.
HIDDEN = frozenset(
    {"payment_id", "reversal_id", "intent_id", "window_id", "sha256", "provider_status", "stored", "incoming"}
)
# Per action: details shown otherwise (a rejected callback's English note on its unverified order id).
HIDDEN_FOR = {"payment.callback_rejected": frozenset({"note"}), "import.conflict_resolved": frozenset({"corrected_id"})}
MONEY = frozenset({"amount", "expected", "received", "recalculated_amount"})
VOLUME = frozenset({"value", "replaced", "initial_value", "volume", "recalculated_volume"})
DATES = frozenset({"closed_on", "previously", "removed_on", "installed_on"})
MOMENTS = frozenset({"opens_at", "closes_at", "before", "after"})
FLAGS = frozenset({"heating", "hot_water", "credited", "active"})
COUNTS = frozenset(
    {
        "rows",
        "added",
        "rejected",
        "changed",
        "unchanged",
        "lines",
        "recalculations",
        "sessions_ended",
        "failures",
        "period_minutes",
        "minutes_left",
        "residents",
    }
)
PLACES = {"heated_area": 2, "tariff": 4, "norm": 3}
# A code's name in the catalog, by the field that holds it (the reading's channel, the proof's method …).
NAMED = {
    "service": "service.",
    "quality": "staff.quality.",
    "channel": "staff.reading_channel.",
    "method": "audit.method.",
    "via": "audit.via.",
    "previous_status": "audit.status.",
    "role": "staff.role.",
    "kind": "staff.imports.kind.",
}
_FLAG_REASON = re.compile(r"consumption ([\d.]+) m3(?: in (\d+) days)? above ([\d.]+) m3")


def action_name(code: str, lang: str) -> str:
    """«Показання подано» for `reading.submitted`; a code without a name reads «Інша дія (code)»."""
    key = f"audit.action.{code}"
    return t(key, lang) if has(key) else t("audit.action_other", lang, code=code)


def actor_text(actor_type: str, actor: str, lang: str) -> str:
    """Who: «працівник operator1», «споживач +380…», «платіжний сервіс liqpay», «система: звірка з банком», «без
    входу» (an attempt by someone not signed in: what was typed is in the details)."""
    if actor_type in ("staff", "consumer", "provider"):
        return t(f"audit.actor.{actor_type}", lang, name=actor)
    if actor_type == "system":
        return t(f"audit.system.{actor}", lang) if has(f"audit.system.{actor}") else t("audit.actor.system", lang)
    if actor_type == "anonymous":
        return t("audit.actor.anonymous", lang)
    return f"{actor} ({actor_type})"


def subject_text(entity: str, entity_id: str | None, login: str | None, lang: str) -> str:
    """What the row concerns: «рахунок», «лічильник 0800001», «оплата LP-1»; a cabinet login's own event (shared
    by every account of the login) «логін +380…»."""
    if login is not None:
        return t("audit.subject.login", lang, id=login)
    key = f"audit.subject.{entity}"
    if has(key):
        return t(key, lang, id=entity_id or "")
    return f"{entity} {entity_id or ''}".strip() or "—"


def details_text(code: str, details: str | Mapping[str, Any] | None, lang: str) -> str:
    """The details as a short line: «показання 123,456 м³; кабінет споживача; квитанція R-1; на перевірці»."""
    values = _parsed(details)
    if isinstance(values, str):
        return values
    hidden = HIDDEN | HIDDEN_FOR.get(code, frozenset())
    parts = []
    for name, value in values.items():
        if name in hidden:
            continue
        try:
            part = _part(code, str(name), value, lang)
        except (ArithmeticError, ValueError, TypeError, KeyError, AttributeError, IndexError):  # an odd value
            part = f"{name}: {_plain(value)}"
        if part:
            parts.append(part)
    return "; ".join(parts)


def flag_reason(reason: str | None, lang: str) -> str:
    """A reading's stored review reason as a sentence: `consumption 25.000 m3 above 10.000 m3` -> «Споживання
    25,000 м³ перевищує поріг 10,000 м³ — перевірте»; any other text as it is."""
    found = _FLAG_REASON.fullmatch(reason or "")
    if not found:
        return reason or ""
    used, days, limit = found.groups()
    used, limit = formatting.volume(Decimal(used), lang), formatting.volume(Decimal(limit), lang)
    if days:
        return t("staff.flag_reason_days", lang, used=used, days=days, limit=limit)
    return t("staff.flag_reason", lang, used=used, limit=limit)


def _parsed(details: str | Mapping[str, Any] | None) -> Mapping[str, Any] | str:
    if details is None or details == "":
        return {}
    if isinstance(details, Mapping):
        return details
    try:
        values = json.loads(details)
    except (TypeError, ValueError):
        return str(details)
    return values if isinstance(values, dict) else str(details)


def _part(code: str, name: str, value: Any, lang: str) -> str:
    """One detail in words, or "" for one that says nothing (a reading not flagged, a field without a value)."""
    if name == "flagged":
        return t("audit.field.flagged", lang) if value is True else ""
    if name == "quality" and value == "actual":
        return ""  # a reading as read, the usual: only an estimated or corrected one says so
    if name == "superseded_by":
        return t("audit.field.superseded_by", lang)
    if name == "password":
        return t("audit.field.password", lang)
    if name == "changes" and isinstance(value, Mapping):
        return "; ".join(_change(str(field), pair, lang) for field, pair in value.items())
    if isinstance(value, list) and len(value) == 2 and name in NAMED.keys() | FLAGS:
        return _change(name, value, lang)  # a staff user's role or state: [before, after]
    if value is None or value == "":
        return ""  # nothing to say: no earlier reading replaced, an account never closed
    shown = _reason(code, value, lang) if name == "reason" else _value(name, value, lang)
    # The field's words for the action's family first (what a meter's "previously" means differs from an account's).
    for key in (f"audit.field.{code.partition('.')[0]}.{name}", f"audit.field.{name}"):
        if has(key):
            return t(key, lang, value=shown)
    return f"{name}: {shown}"


def _change(field: str, pair: Any, lang: str) -> str:
    """`residents: 2 → 3`, the field by its name in the catalog (`audit.change.<field>`)."""
    old, new = pair
    key = f"audit.change.{field}"
    label = t(key, lang) if has(key) else field
    return f"{label}: {_value(field, _typed(old), lang)} → {_value(field, _typed(new), lang)}"


def _typed(text: Any) -> Any:
    """A change's before and after, written as text (`str(value)`): booleans and nothing back to what they were."""
    return {"True": True, "False": False, "None": None, "": None}.get(text, text) if isinstance(text, str) else text


def _reason(code: str, value: Any, lang: str) -> str:
    if code == "payment.callback_rejected" and has(f"audit.callback_reason.{value}"):
        return t(f"audit.callback_reason.{value}", lang)
    if code.startswith("reading."):
        return flag_reason(str(value), lang)
    return _plain(value)


def _value(name: str, value: Any, lang: str) -> str:
    """A value the way the staff pages show it; one that is not what its field holds (a currency where an amount
    is usual) as it is."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool) or name in FLAGS:
        return t("value.yes", lang) if value in (True, "true") else t("value.no", lang)
    if isinstance(value, list) and name in MOMENTS:
        return " — ".join(_value(name, item, lang) for item in value)
    try:
        if name in MONEY:
            return formatting.money(Decimal(str(value)), lang)
        if name in VOLUME:
            return formatting.volume(Decimal(str(value)), lang)
        if name in DATES:
            return formatting.date(dt.date.fromisoformat(str(value)), lang)
        if name in MOMENTS:
            return formatting.datetime(_moment(str(value)), lang)
        if name in PLACES:
            return formatting.number(Decimal(str(value)), lang, places=PLACES[name])
        if name in COUNTS:
            return formatting.number(Decimal(str(value)), lang)
    except (ArithmeticError, ValueError, TypeError):
        return _plain(value)
    if name in NAMED and has(NAMED[name] + str(value)):
        return t(NAMED[name] + str(value), lang)
    return _plain(value)


def _moment(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_plain(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key}: {_plain(item)}" for key, item in value.items())
    return "—" if value is None else str(value)
