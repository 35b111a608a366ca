"""The look-up's actions journal of an account (core.lookup.account_card): what was done to the account, its meters
and its payments, and the events of the cabinet logins linked to it marked with the login; what a login did on
its other flat stays on that flat's journal (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from core import consumers, lookup, payments, readings
from core.errors import VerificationFailed
from db.models import Meter
from tests.conftest import World, kyiv, register_consumer
from tests.integration.test_dashboard import C, Town, build

LOGIN = "+380501110001"  # two flats: C (registered with it) and B (added)
STRANGER = "+380501110002"  # no flat here: its failed sign-in belongs to nobody's journal
PASSWORD = "тепла-зима-2026"


@dataclass
class TwoFlats:
    town: Town
    login_id: int


def two_flats(world: World) -> TwoFlats:
    """C registered by its last payment on 20 Nov, B added to the same login on 21 Nov; on 27 Nov (the November
    window) the login reads B's meter, prepares a payment for C, changes its password; a wrong password for it and
    for a stranger's login, and a wrong last payment typed for C."""
    town = build(world)
    sessions = world.sessions
    login_id = register_consumer(
        sessions, LOGIN, number=C, amount="500,00", password=PASSWORD, now=kyiv(2026, 11, 20, 10)
    )
    consumers.add_account(
        sessions, login_id, account_number="1120200001001", last_payment="200,00", now=kyiv(2026, 11, 21, 10)
    )
    with sessions() as s:
        meter_b = s.scalar(select(Meter.id).where(Meter.serial == "0800001"))
    readings.submit_reading(sessions, login_id, meter_b, "55", now=kyiv(2026, 11, 27, 9))
    payments.create_intent(sessions, login_id, town.c, "heating", "700", provider="liqpay", now=kyiv(2026, 11, 27, 10))
    consumers.change_password(
        sessions, login_id, PASSWORD, "ще-тепліша-зима", "ще-тепліша-зима", now=kyiv(2026, 11, 27, 11)
    )
    for name in (LOGIN, STRANGER):
        with pytest.raises(VerificationFailed):
            consumers.authenticate(sessions, name, "not-the-password", now=kyiv(2026, 11, 27, 11, 30))
    with pytest.raises(VerificationFailed):
        register_consumer(sessions, STRANGER, number=C, amount="1,00", now=kyiv(2026, 11, 27, 11, 45))
    return TwoFlats(town, login_id)


def test_an_account_s_journal_holds_its_own_events_and_its_logins_marked(world):
    flats = two_flats(world)
    journal = lookup.account_card(world.sessions, flats.town.c).audit
    assert [(line.action, line.login) for line in journal] == [
        ("register.failed", None),  # someone typed a wrong last payment for C
        ("login.failed", LOGIN),
        ("consumer.password_changed", LOGIN),
        ("payment.intent_created", None),
        ("account.linked", None),
        ("consumer.registered", LOGIN),
    ]
    assert journal[0].entity_id == C and journal[1].actor_type == "anonymous"


def test_what_a_login_did_on_its_other_flat_is_that_flat_s(world):
    flats = two_flats(world)
    journal = lookup.account_card(world.sessions, flats.town.b).audit
    assert [(line.action, line.login) for line in journal] == [
        ("login.failed", LOGIN),
        ("consumer.password_changed", LOGIN),
        ("reading.submitted", None),  # B's meter, read by the login
        ("account.linked", None),
        ("consumer.registered", LOGIN),
    ]
    # A flat no login of LOGIN's is linked to sees none of its events.
    assert lookup.account_card(world.sessions, flats.town.a).audit == []
