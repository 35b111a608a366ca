"""Staff account look-up as a call-centre operator uses it: an account or meter number, or address words."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from core import lookup
from core.errors import DomainError
from tests.integration.test_dashboard import A, B, C, D, build


def numbers(world, query: str) -> list[str]:
    return [hit.number for hit in lookup.find_accounts(world.sessions, query)]


def test_a_meter_number_finds_its_account_current_or_removed(world):
    town = build(world)  # A's meter 0812345, B's 0800001
    world.meter(town.c, "2611017", removed=dt.date(2025, 3, 1))
    world.meter(town.d, "2611018")
    [current] = lookup.find_accounts(world.sessions, "0812345")
    assert (current.number, current.meter_serial, current.meter_removed_on) == (A, "0812345", None)
    [removed] = lookup.find_accounts(world.sessions, "2611017")
    assert (removed.number, removed.meter_serial, removed.meter_removed_on) == (C, "2611017", dt.date(2025, 3, 1))
    # The start of a serial is enough, typed with spaces or dashes; the exact serial comes first.
    assert numbers(world, "261-10") == [D, C]
    assert numbers(world, "2611 017") == [C]
    assert numbers(world, "26110170") == []


def test_an_account_number_with_spaces_or_dashes_or_its_start(world):
    build(world)
    assert numbers(world, "1120-2000-0100-1") == [B]
    assert numbers(world, "1120 2000 0100") == [A, B, C, D]
    assert lookup.find_accounts(world.sessions, B)[0].meter_serial is None


def test_a_short_number_alone_is_refused_with_a_hint_not_half_the_town(world):
    build(world)
    for query in ("1", "20", "112"):
        with pytest.raises(DomainError) as refused:
            lookup.find_accounts(world.sessions, query)
        assert refused.value.key == "lookup.short_number"


def test_numbers_among_address_words_are_the_house_then_the_flat(world):
    build(world)  # A: Гулака-Артемовського 20 кв. 1, B: Волі 1 кв. 2, C: Волі 1 кв. 3, D: Гулака-Артемовського 20 кв. 4
    world.account("1120200001011", address="просп. Волі, 11, кв. 1")
    world.account("1120200001012", address="просп. Волі, 1а, кв. 12")
    assert numbers(world, "Волі 1") == [B, C, "1120200001012"]  # house 1 and 1а, not 11 (nor flat 1 of house 11)
    assert numbers(world, "Волі 1 кв. 2") == [B]
    assert numbers(world, "волі 1 кв 12") == ["1120200001012"]  # a flat 12, not 2
    assert numbers(world, "ГУЛАКА 20 4") == [D]
    assert numbers(world, "гулака кв.1") == [A]
    assert numbers(world, "гулака 21") == [] and numbers(world, "гулака 20 14") == []


def test_house_slash_flat_is_the_house_and_flat_or_a_split_building(world):
    build(world)  # A: Гулака-Артемовського 20 кв. 1, D: Гулака-Артемовського 20 кв. 4
    world.account("1120200001017", address="вул. Гулака-Артемовського, 20, кв. 17")
    world.account("1120200001018", address="вул. Гулака-Артемовського, 20/17, кв. 3")
    world.account("1120200001019", address="вул. Гулака-Артемовського, 2, кв. 17")
    assert numbers(world, "Гулака 20/17") == ["1120200001017", "1120200001018"]
    assert numbers(world, "гулака 20/4") == [D]
    assert numbers(world, "Гулака 20/17 кв 3") == ["1120200001018"]
    assert numbers(world, "Гулака 20/5") == []


def test_the_last_digits_of_an_account_number_find_it(world):
    build(world)
    world.account("1120200011017", address="просп. Волі, 7, кв. 1")
    world.account("1017200001005", address="просп. Волі, 8, кв. 1")
    # The end of a number, as staff read it out; accounts starting with the digits come first.
    assert numbers(world, "1017") == ["1017200001005", "1120200011017"]
    assert numbers(world, "0001003") == [D]
    assert numbers(world, "01 003") == [D]
    assert numbers(world, "11017") == ["1120200011017"]


@pytest.mark.parametrize("language", ["uk", "en"])
def test_the_search_box_example_finds_what_it_shows(world, language):
    """The example in the search box, in either language, finds the seed's account (addresses are in Ukrainian)."""
    from core.i18n import t

    build(world)  # A: Гулака-Артемовського 20 кв. 1, meter 0812345
    *numbers_said, address = [
        part.strip() for part in re.split(r",| or | або ", t("staff.lookup.query_example", language))
    ]
    assert numbers(world, address) == [A]
    assert numbers(world, numbers_said[0]) == [A]


def test_the_what_to_type_hint_is_only_for_a_house_or_flat_number_alone(world):
    assert lookup.hint_applies("20") and lookup.hint_applies("20 1") and lookup.hint_applies("кв 5")
    assert not lookup.hint_applies("1017") and not lookup.hint_applies("0001017")
    assert not lookup.hint_applies("Гулака 20") and not lookup.hint_applies("Шевченка 99")


def test_number_and_address_look_ups_can_use_an_index_on_postgresql(world, engine):
    """The end of an account number and the start of a meter's number (migration 0024), and an address word of three
    letters or more (0025), are found through their indexes, not by reading every account or meter: at a million
    accounts each of those reads took most of a second. With
    sequential scans priced out, a condition no index fits is read from the whole table, or the whole of another
    index."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite reads the number columns whole (no reverse(); its databases are small)")
    from sqlalchemy import event

    build(world)
    sent: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        lookup.find_accounts(world.sessions, "1017")  # an account number's start and end, a meter's start
        lookup.find_accounts(world.sessions, "Гулака 20")  # a street's word and a house
    finally:
        event.remove(engine, "before_cursor_execute", keep)

    def scans(node: dict) -> list[tuple[str, str]]:
        found = [(node["Node Type"], node.get("Index Name") or node.get("Relation Name", ""))]
        return found + [scan for child in node.get("Plans", []) for scan in scans(child)]

    used = []
    with engine.connect() as connection:
        cursor = connection.connection.dbapi_connection.cursor()
        cursor.execute("SET enable_seqscan = off")
        for statement, parameters in sent:
            if statement.lstrip().upper().startswith(("SELECT", "(SELECT")):
                cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
                used += scans(cursor.fetchone()[0][0]["Plan"])
    indexes = {"ix_accounts_number_reversed", "ix_meters_serial_compact", "ix_accounts_address_words"}
    assert indexes <= {name for _, name in used}
    assert not [scan for scan in used if scan[0] == "Seq Scan"]
