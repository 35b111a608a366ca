"""The explorer's whitelisted GROUP BY queries and paging, on the hand-computed world of test_dashboard."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core import explore, explore_export, lookup
from core.errors import DomainError
from tests.integration.test_dashboard import A, B, build

ALL = explore.Filters()


def test_charges_grouped_by_month_and_service(world):
    build(world)
    result = explore.run(world.sessions, explore.Choice("charges", ALL, ("month", "service"), "amount_to_pay"))
    assert result.rows == [
        (dt.date(2026, 9, 1), "heating", Decimal("1000.00")),
        (dt.date(2026, 10, 1), "heating", Decimal("2200.00")),
        (dt.date(2026, 10, 1), "hot_water", Decimal("300.00")),
    ]
    assert result.total == 3 and not result.capped


def test_payments_filtered_and_grouped_by_kyiv_month_and_channel(world):
    build(world)
    november = explore.Filters(first_month=dt.date(2026, 11, 1), last_month=dt.date(2026, 11, 1), service="heating")
    result = explore.run(world.sessions, explore.Choice("payments", november, ("month", "channel"), "amount"))
    # The 1000,00 paid at 00:30 Kyiv on 10 Nov belongs to November in any time zone; 50,00 by cabinet.
    assert result.rows == [
        (dt.date(2026, 11, 1), "bank", Decimal("1000.00")),
        (dt.date(2026, 11, 1), "cabinet", Decimal("50.00")),
    ]
    count = explore.run(world.sessions, explore.Choice("payments", ALL, ("street",), "count"))
    assert count.rows == [("вул. Гулака-Артемовського", 2), ("просп. Волі", 3)]
    assert count.filters == {}
    assert november.describe() == {"first_month": "2026-11", "last_month": "2026-11", "service": "heating"}


def test_readings_and_accounts(world):
    build(world)
    readings = explore.run(world.sessions, explore.Choice("readings", ALL, ("period", "channel"), "count"))
    assert readings.rows == [
        (dt.date(2026, 10, 1), "cabinet", 1),
        (dt.date(2026, 10, 1), "water_utility", 1),
        (dt.date(2026, 11, 1), "staff", 1),
    ]
    consumption = explore.run(
        world.sessions, explore.Choice("readings", explore.Filters(street="просп. Волі"), ("period",), "consumption")
    )
    assert consumption.rows == [(dt.date(2026, 10, 1), Decimal("3.000"))]
    accounts = explore.run(world.sessions, explore.Choice("accounts", ALL, ("registered",), "count"))
    assert sorted(accounts.rows) == [(False, 2), (True, 2)]


def test_ungrouped_rows_are_paged(world):
    build(world)
    first = explore.run(world.sessions, explore.Choice("payments"), page=0, page_size=2)
    second = explore.run(world.sessions, explore.Choice("payments"), page=2, page_size=2)
    assert first.total == 5 and len(first.rows) == 2 and not first.grouped
    assert len(second.rows) == 1
    assert first.columns[0] == "number"


@pytest.mark.parametrize(
    "dataset, group_by, measure",
    [
        ("charges; drop table accounts", [], None),
        ("charges", ["amount_to_pay) from accounts --"], "amount"),
        ("payments", ["month"], "sum(amount)"),
    ],
)
def test_anything_outside_the_whitelist_is_refused(world, dataset, group_by, measure):
    with pytest.raises(DomainError):
        explore.run(world.sessions, explore.Choice(dataset, ALL, tuple(group_by), measure))


def test_lookup_by_number_or_address(world):
    town = build(world)
    hits = lookup.find_accounts(world.sessions, "1120 2000 0100")
    assert sorted(h.number for h in hits) == [A, B, "1120200001002", "1120200001003"]
    assert [h.number for h in lookup.find_accounts(world.sessions, "Волі 1 кв. 2")] == [B]
    # Staff type addresses in any case: lower-case and capital Cyrillic find the same account on both databases.
    assert [h.number for h in lookup.find_accounts(world.sessions, "волі 1 кв. 2")] == [B]
    assert [h.number for h in lookup.find_accounts(world.sessions, "ВОЛІ 1 КВ. 2")] == [B]
    assert lookup.find_accounts(world.sessions, "%") == []
    assert [h.number for h in lookup.find_accounts(world.sessions, B)] == [B]  # the whole number: that one only
    assert lookup.find_accounts(world.sessions, B + "0") == [] and lookup.find_accounts(world.sessions, "9999") == []
    card = lookup.account_card(world.sessions, town.b)
    assert card.statement.number == B and [m.serial for m in card.meters] == ["0800001"]
    assert [(r.period, r.value, r.channel) for r in card.readings] == [
        (dt.date(2026, 10, 1), Decimal("53.000"), "water_utility")
    ]
    assert [login.login for login in card.logins] == ["user0@example.com"]
    balances = {s.service: s.balance for s in card.statement.services}
    assert balances == {"heating": Decimal("-50.00"), "hot_water": Decimal("100.00")}


def test_averages_are_exact_and_rounded_half_up_on_both_databases(world):
    """Money is stored as integer kopecks on SQLite: an average must come back in hryvnias, not kopecks."""
    build(world)
    by_service = explore.run(world.sessions, explore.Choice("payments", ALL, ("service",), "average"))
    amounts = explore.run(world.sessions, explore.Choice("payments", ALL, ("service",), "amount"))
    counts = dict(explore.run(world.sessions, explore.Choice("payments", ALL, ("service",), "count")).rows)
    expected = [
        (service, (total / counts[service]).quantize(Decimal("0.01"), "ROUND_HALF_UP"))
        for service, total in amounts.rows
    ]
    assert by_service.rows == expected
    charges = explore.run(world.sessions, explore.Choice("charges", ALL, ("month",), "average"))
    assert charges.rows[0] == (dt.date(2026, 9, 1), Decimal("1000.00"))


def test_grouped_result_counts_every_group_beyond_the_cap(world, monkeypatch):
    build(world)
    monkeypatch.setattr(explore, "MAX_GROUPS", 2)
    result = explore.run(world.sessions, explore.Choice("charges", ALL, ("month", "service"), "amount_to_pay"))
    assert result.total == 3 and result.capped
    assert result.rows == [
        (dt.date(2026, 9, 1), "heating", Decimal("1000.00")),
        (dt.date(2026, 10, 1), "heating", Decimal("2200.00")),
    ]
    nowhere = explore.run(
        world.sessions, explore.Choice("charges", explore.Filters(street="вул. Неіснуюча"), ("month",))
    )
    assert nowhere.total == 0 and nowhere.rows == [] and not nowhere.capped


def test_download_holds_the_whole_result_not_the_page(world, monkeypatch):
    build(world)
    monkeypatch.setattr(explore, "MAX_GROUPS", 1)
    groups = explore_export.full_result(
        world.sessions, explore.Choice("charges", ALL, ("month", "service"), "amount_to_pay")
    )
    assert len(groups.rows) == 3 and groups.total == 3 and not groups.capped and groups.grouped
    on_screen = explore.run(world.sessions, explore.Choice("payments"), page=0, page_size=2)
    rows = explore_export.full_result(world.sessions, explore.Choice("payments"))
    assert len(on_screen.rows) == 2 and len(rows.rows) == 5 and not rows.capped
    assert rows.rows[:2] == on_screen.rows  # in the order of the page
    cut = explore_export.full_result(world.sessions, explore.Choice("payments"), limit=4)
    assert len(cut.rows) == 4 and cut.capped
