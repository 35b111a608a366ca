"""The balance snapshot behind the overview's total debt: the same figures with and without it, and never stale
after an import that writes into the months before it (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core import balances, dashboard, imports
from db.models import BalanceSnapshot
from tests.integration.test_dashboard import NOW, build

MONTH_AGO = NOW - dt.timedelta(days=31)


@pytest.fixture
def town(configure, world):
    configure(TEPLO_NOW="2026-11-27T12:00")
    return build(world)


def debts(world) -> list[Decimal]:
    with world.sessions() as s:
        return dashboard.debts_at(s, NOW, MONTH_AGO)


def snapshot(world) -> tuple[dt.date | None, int]:
    with world.sessions() as s:
        return balances.snapshot_month(s), s.scalar(select(func.count()).select_from(BalanceSnapshot))


def test_the_debt_is_the_same_from_the_snapshot_as_from_every_row(town):
    world = town.world
    assert debts(world) == [Decimal("900.00"), Decimal("100.00")]  # hand-computed in test_dashboard
    # Taken at the start of last month: A's September heating (1000,00, nothing paid before October).
    assert balances.rebuild(world.sessions, now=NOW) == 1
    assert snapshot(world) == (dt.date(2026, 10, 1), 1)
    assert debts(world) == [Decimal("900.00"), Decimal("100.00")]
    assert dashboard.overview(world.sessions, now=NOW).debt == Decimal("900.00")


def test_a_snapshot_newer_than_a_moment_is_not_used_for_it(town):
    world = town.world
    balances.rebuild(world.sessions, as_of=dt.date(2026, 11, 1), now=NOW)  # after "a month ago" (27 October)
    assert debts(world) == [Decimal("900.00"), Decimal("100.00")]


def test_a_snapshot_is_never_taken_after_this_month(town):
    world = town.world
    balances.rebuild(world.sessions, as_of=dt.date(2027, 3, 1), now=NOW)
    assert snapshot(world)[0] == dt.date(2026, 11, 1)


def utf8(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("utf-8")


def test_an_import_into_the_months_before_the_snapshot_drops_it(town):
    world = town.world
    balances.rebuild(world.sessions, now=NOW)
    # A payment dated this month leaves the snapshot alone ...
    imports.commit(
        world.sessions,
        "bank",
        "nov.csv",
        utf8("account_number;service;amount;paid_at;payment_ref\n1120200001002;heating;50,00;2026-11-20 10:00;N-1\n"),
        actor="operator",
    )
    assert snapshot(world)[0] == dt.date(2026, 10, 1)
    assert debts(world)[0] == Decimal("850.00")  # C: 700 − 500 − 50
    # ... a payment dated in September (before the snapshot) drops it, and the debt counts the payment.
    imports.commit(
        world.sessions,
        "bank",
        "sep.csv",
        utf8("account_number;service;amount;paid_at;payment_ref\n1120200001000;heating;100,00;2026-09-20 10:00;S-1\n"),
        actor="operator",
    )
    assert snapshot(world) == (None, 0)
    assert debts(world) == [Decimal("750.00"), Decimal("0.00")]  # A: 2500 − 2000; a month ago 1000 − 1000

    balances.rebuild(world.sessions, now=NOW)
    # A charge for August (before the snapshot) drops it too.
    imports.commit(
        world.sessions,
        "charges",
        "aug.csv",
        utf8("account_number;service;month;volume;tariff;amount\n1120200001003;heating;2026-08;1;1;40,00\n"),
        actor="operator",
    )
    assert snapshot(world) == (None, 0)
    assert debts(world) == [Decimal("790.00"), Decimal("40.00")]


def test_a_preview_leaves_the_snapshot_in_place(town):
    world = town.world
    balances.rebuild(world.sessions, now=NOW)
    imports.preview(
        world.sessions,
        "bank",
        "sep.csv",
        utf8("account_number;service;amount;paid_at;payment_ref\n1120200001000;heating;100,00;2026-09-20 10:00;S-1\n"),
    )
    assert snapshot(world) == (dt.date(2026, 10, 1), 1)
