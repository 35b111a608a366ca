"""The actions journal in words (core.audit_words): every action code the code base writes has a name in both
languages, the details read as the staff pages write figures (₴, m³, Kyiv time, codes by name), and whatever a
row holds (an unknown code, odd details) reads as something, never a traceback.

The codes are found in the code itself: the string literals of the audit calls in core/ (core.audit's record,
record_tallied and actor calls, the import's `out.audit`, the payment callbacks' `note`, the payments'
`_audit_step`), and the codes built by an f-string, filled with what their placeholder takes."""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from core import formatting
from core.audit_words import action_name, actor_text, details_text, subject_text
from core.i18n import LANGUAGES, t

ROOT = Path(__file__).resolve().parents[2]
CORE = sorted([*ROOT.glob("core/*.py"), *ROOT.glob("web/*.py")])
# The audit calls and where their action code goes when it is not the `action=` keyword: the actors' calls
# (session, actor, action, …), the payment callbacks' note(action, …), the payments' _audit_step(…, now, action, …).
AUDIT_CALLS = {
    "record": None,
    "record_tallied": None,
    "audit": None,
    "staff_action": 2,
    "consumer_action": 2,
    "system_action": 2,
    "provider_action": 2,
    "note": 0,
    "_audit_step": 3,
}
CODE = re.compile(r"[a-z][a-z_]*\.[a-z][a-z_]*")
CYRILLIC = re.compile(r"[А-Яа-яЄєІіЇїҐґ]")


def _trees() -> list[ast.Module]:
    return [ast.parse(path.read_text(encoding="utf-8")) for path in CORE]


def _name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _placeholders() -> dict[str, set[str]]:
    """What an f-string code's placeholder takes: a throttle scope (the `*_SCOPE` constants), a conflict's closing
    status (the literals core.conflict_resolution closes a conflict with)."""
    scopes: set[str] = set()
    statuses: set[str] = set()
    for tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                names = [target.id for target in node.targets if isinstance(target, ast.Name)]
                scopes |= {str(node.value.value) for name in names if name.endswith("_SCOPE")}
            if isinstance(node, ast.Call) and _name(node) == "_close":
                statuses |= {a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    return {"scope": scopes, "attempt.scope": scopes, "status": statuses}


def written_codes() -> set[str]:
    codes: set[str] = set()
    filling = _placeholders()
    for tree in _trees():
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call) and _name(n) in AUDIT_CALLS):
            position = AUDIT_CALLS[_name(call)]
            action = next((k.value for k in call.keywords if k.arg == "action"), None)
            if action is None and position is not None and len(call.args) > position:
                action = call.args[position]
            nodes = list(ast.walk(action)) if action is not None else []
            pieces = {id(part) for node in nodes if isinstance(node, ast.JoinedStr) for part in node.values}
            for node in nodes:
                if isinstance(node, ast.JoinedStr):
                    codes |= _filled(node, filling)
                elif isinstance(node, ast.Constant) and id(node) not in pieces and CODE.fullmatch(str(node.value)):
                    codes.add(str(node.value))  # a literal, or either branch of `"a.b" if … else "a.c"`
    return codes


def _filled(node: ast.JoinedStr, filling: dict[str, set[str]]) -> set[str]:
    """Every code an f-string such as f"{scope}.locked" writes (a placeholder nobody knows fails the test)."""
    texts = {""}
    for part in node.values:
        if isinstance(part, ast.Constant):
            texts = {text + str(part.value) for text in texts}
        else:
            assert isinstance(part, ast.FormattedValue)
            hole = ast.unparse(part.value)
            assert hole in filling, f"what does {{{hole}}} take in {ast.unparse(node)}?"
            texts = {text + value for text in texts for value in filling[hole]}
    return {text for text in texts if CODE.fullmatch(text)}


WRITTEN = sorted(written_codes())


def test_the_scan_finds_what_core_writes():
    assert {
        "reading.submitted",
        "reading.corrected",
        "consumer.password_changed",
        "account.linked",
        "payment.paid",
        "payment.intent_created",
        "login.failed",
        "staff_login.locked",
        "import.conflict_dismissed",
        "meter.reinstalled",
        "reminders.disabled",
    } <= set(WRITTEN)
    assert len(WRITTEN) >= 45


@settings(max_examples=400)
@given(st.sampled_from(WRITTEN), st.sampled_from(LANGUAGES))
def test_every_action_the_code_writes_has_a_worded_name_in_both_languages(code, lang):
    name = action_name(code, lang)
    assert name and name != t("audit.action_other", lang, code=code) and code not in name
    assert bool(CYRILLIC.search(name)) == (lang == "uk"), name  # English in English, not the Ukrainian fallback


def test_every_written_code_is_named_in_both_languages():
    """The property above, over every code at once."""
    unnamed = [(code, lang) for code in WRITTEN for lang in LANGUAGES if code in action_name(code, lang)]
    assert unnamed == []


@given(
    st.text(),
    st.one_of(
        st.none(),
        st.text(),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(),
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
            max_leaves=10,
        ).map(lambda value: json.dumps(value)),
        st.dictionaries(
            st.sampled_from(["amount", "value", "closed_on", "opens_at", "service", "changes", "before", "reason"]),
            st.none() | st.booleans() | st.integers() | st.text(max_size=12) | st.lists(st.text(max_size=5)),
            max_size=4,
        ),
    ),
    st.sampled_from(LANGUAGES),
)
def test_any_code_and_any_details_read_as_text_never_a_traceback(code, details, lang):
    assert action_name(code, lang)
    assert isinstance(details_text(code, details, lang), str)
    assert subject_text(code, details if isinstance(details, str) else None, None, lang)
    assert actor_text(code, code, lang)


def test_a_code_written_later_still_reads_as_an_action():
    assert action_name("meter.sealed", "uk") == "Інша дія (meter.sealed)"
    assert action_name("meter.sealed", "en") == "Other action (meter.sealed)"


@given(st.decimals(min_value=Decimal("-99999999.99"), max_value=Decimal("99999999.99"), places=2))
def test_amounts_read_as_the_dashboard_writes_money(amount):
    for lang in LANGUAGES:
        assert details_text("payment.paid", {"amount": str(amount)}, lang) == formatting.money(amount, lang)


def test_a_reading_reads_in_words_with_its_volume_and_channel():
    details = json.dumps(
        {
            "value": "123.456",
            "channel": "cabinet",
            "receipt": "R-7",
            "flagged": True,
            "replaced": "120.5",
            "quality": "actual",
        }
    )
    assert details_text("reading.submitted", details, "uk") == (
        "показання 123,456\xa0м³; канал: Кабінет споживача; квитанція R-7; на перевірці; замість 120,500\xa0м³"
    )
    assert details_text("reading.submitted", details, "en") == (
        "reading 123.456\xa0m³; channel: Consumer cabinet; receipt R-7; under review; replacing 120.500\xa0m³"
    )
    quiet = {"value": "5", "channel": "staff", "flagged": False, "replaced": None, "quality": "corrected"}
    assert (
        details_text("reading.corrected", quiet, "uk") == "показання 5,000\xa0м³; канал: Працівник; якість: Виправлене"
    )


def test_payments_read_with_their_service_amount_and_status():
    prepared = {"account": "1120200001000", "service": "hot_water", "amount": "1866.66", "provider": "liqpay"}
    assert details_text("payment.intent_created", prepared, "uk") == (
        "рахунок 1120200001000; Гаряча вода; 1\xa0866,66\xa0₴; сервіс liqpay"
    )
    paid = {"provider_status": "success", "amount": "50.00", "previous_status": "pending", "payment_id": 9}
    assert details_text("payment.paid", paid, "en") == "50.00\xa0₴; was: in progress"
    refused = {"reason": "amount", "expected": "50.00", "received": "5000"}
    assert details_text("payment.callback_rejected", refused, "uk") == (
        "причина: сума не збігається; очікувано 50,00\xa0₴; отримано 5\xa0000,00\xa0₴"
    )
    assert details_text("payment.callback_rejected", {"reason": "currency", "received": "USD"}, "en") == (
        "reason: another currency; received USD"
    )


def test_times_read_in_kyiv_and_dates_as_dates():
    window = {"opens_at": "2026-11-24T22:00:00+00:00", "closes_at": "2026-12-03T22:00:00+00:00"}
    assert (
        details_text("window.created", window, "uk") == "відкривається 25.11.2026 00:00; закривається 04.12.2026 00:00"
    )
    closed = {"closed_on": "2026-11-26", "previously": None, "import_batch_id": 4}
    assert details_text("account.closed", closed, "en") == "closed on 26.11.2026; import no. 4"
    removal = {"account": "1120200001000", "removed_on": None, "previously": "2017-05-31"}
    assert details_text("meter.reinstalled", removal, "uk") == "рахунок 1120200001000; до того знято 31.05.2017"


def test_changes_name_each_field_with_its_before_and_after():
    changes = {"residents": ["2", "3"], "hot_water": ["True", "False"], "heated_area": ["62.40", "70"]}
    assert details_text("account.updated", {"import_batch_id": 5, "changes": changes}, "uk") == (
        "імпорт № 5; мешканців: 2 → 3; гаряча вода: так → ні; площа, м²: 62,40 → 70,00"
    )
    assert details_text("staff.updated", {"role": ["operator", "manager"], "password": "changed"}, "en") == (
        "role: Operator → Manager; password changed"
    )


def test_a_lockout_says_what_was_typed_and_for_how_long():
    locked = {"key": "+380501110001", "failures": 5, "period_minutes": 15, "minutes_left": 15}
    assert details_text("login.locked", locked, "uk") == (
        "введено: +380501110001; невдалих спроб: 5; за 15 хв; блокування на 15 хв"
    )


def test_who_and_what_it_concerns():
    assert actor_text("consumer", "+380501110001", "uk") == "споживач +380501110001"
    assert actor_text("anonymous", "+380501110001", "en") == "not signed in"
    assert actor_text("system", "reconciliation", "uk") == "система: звірка з банком"
    assert subject_text("meter", "0800001", None, "en") == "meter 0800001"
    assert subject_text("consumer_login", "7", "+380501110001", "uk") == "логін +380501110001"


def test_details_that_are_not_an_object_are_shown_as_they_are():
    assert details_text("reading.submitted", "not json {", "uk") == "not json {"
    assert details_text("reading.submitted", "[1, 2]", "uk") == "[1, 2]"
    assert details_text("reading.submitted", None, "uk") == ""
    # an unknown field keeps its name; an internal id is left out
    assert details_text("payment.paid", {"payment_id": 3, "batch": "x"}, "en") == "batch: x"


def test_a_flag_reason_reads_as_the_readings_page_writes_it():
    assert details_text("reading.submitted", {"reason": "consumption 25.000 m3 in 30 days above 10.000 m3"}, "uk") == (
        "причина: Споживання 25,000\xa0м³ за 30 дн. перевищує поріг 10,000\xa0м³ — перевірте"
    )
    moment = dt.datetime(2026, 11, 26, 9, tzinfo=dt.UTC)
    assert formatting.datetime(moment, "uk") == "26.11.2026 11:00"  # Kyiv, the journal's time column too
