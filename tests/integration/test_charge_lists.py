"""A processed window's additional-charge list as the staff page reads it from SQL (core.charge_lists): the same
totals and the same first lines of any choice as the whole stored list gives in memory, on both databases."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import additional_charges, charge_lists
from core.charge_lists import LineChoice
from tests.conftest import kyiv

FEB = dt.date(2020, 2, 1)
STREETS = ("вул. Львівська", "просп. Волі", "вул. Їжакевича", "пров. Ґудзика")


@pytest.fixture
def processed(world, sessions):
    """February 2020 processed: 24 accounts on four streets without a February reading, half of them with a history
    (the average rule), half never read (the norm); serials with LIKE's wildcards in them; one account read."""
    w = {p: world.window(p) for p in (dt.date(2019, 11, 1), dt.date(2020, 1, 1), FEB)}
    for n in range(24):
        street = STREETS[n // 2 % 4]
        account = world.account(f"11202000{n:05d}", residents=1 + n % 3, address=f"{street}, {n + 1}, кв. {n % 7}")
        meter = world.meter(account, serial=("A_%d" if n % 5 == 0 else "AB%d") % n + ("%" if n == 7 else ""))
        if n % 2:
            world.reading(meter, w[dt.date(2019, 11, 1)], str(110 + n), kyiv(2019, 11, 28, 12))
            world.reading(meter, w[dt.date(2020, 1, 1)], str(116 + 2 * n), kyiv(2020, 1, 27, 12))
        if n == 23:
            world.reading(meter, w[FEB], str(200), kyiv(2020, 2, 25, 12))
    additional_charges.process_window(sessions, w[FEB], actor="manager", now=kyiv(2020, 3, 10))
    whole = additional_charges.additional_charge_list(sessions, w[FEB])
    assert len(whole) == 23 and {line.rule for line in whole} == {"average", "norm"}
    return w[FEB], whole


def test_the_totals_from_sql_are_the_whole_lists(processed, sessions):
    window_id, whole = processed
    stored = charge_lists.stored_totals(sessions, window_id)
    assert stored == charge_lists.totals(whole)
    assert stored.lines == 23
    assert stored.amount == sum((line.amount for line in whole), Decimal(0)) > 0
    assert dict(stored.by_street)["вул. Львівська"] == (("average", 3), ("norm", 3))
    assert stored.lines_of(LineChoice(rule="norm", street="просп. Волі")) == 3


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        (LineChoice(), 23),
        (LineChoice(rule="average"), 11),
        (LineChoice(street="вул. Їжакевича"), 6),
        (LineChoice.of(None, None, "ЇЖАКЕВИЧА"), 6),  # Cyrillic in either case, on SQLite too
        (LineChoice.of(None, None, "ґудзика 6"), 2),  # words in any order: "7, кв. 6" and "16, кв. 1"
        (LineChoice.of(None, None, "a_1"), 2),  # "_" is itself, not any one character: A_10, A_15, not AB1
        (LineChoice.of(None, None, "%"), 1),  # "%" is itself: the one serial with it
        (LineChoice.of("norm", None, "112020000000"), 5),  # account numbers 0…9, even ones (the norm)
        (LineChoice.of(None, None, "немає"), 0),
    ],
)
def test_a_choice_from_sql_is_the_whole_lists_first_lines(processed, sessions, choice, expected):
    window_id, whole = processed
    stored = charge_lists.stored_choice(sessions, window_id, choice, limit=4)
    assert stored == charge_lists.choose(whole, choice, limit=4)
    assert stored.matched == expected and len(stored.first) == min(4, expected)


def _words(whole):
    """Pieces of the lines' account numbers, addresses and serials, in any case."""
    texts = [f"{line.account_number} {line.address} {line.meter_serial}" for line in whole]
    return st.sampled_from(texts).flatmap(
        lambda text: st.tuples(st.integers(0, len(text) - 1), st.integers(1, 6), st.booleans()).map(
            lambda cut: text[cut[0] : cut[0] + cut[1]].upper() if cut[2] else text[cut[0] : cut[0] + cut[1]]
        )
    )


def test_any_choice_from_sql_is_the_whole_lists_first_lines(processed, sessions):
    window_id, whole = processed

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        rule=st.sampled_from([None, "average", "norm"]),
        street=st.sampled_from([None, *STREETS, "вул. Немає"]),
        search=st.lists(_words(whole), max_size=2).map(" ".join),
        limit=st.none() | st.integers(0, 30),  # None: every line of the choice (its download)
    )
    def agree(rule, street, search, limit):
        choice = LineChoice.of(rule, street, search)
        assert charge_lists.stored_choice(sessions, window_id, choice, limit) == charge_lists.choose(
            whole, choice, limit
        )

    agree()


def test_a_window_stored_before_the_estimates_details_were_kept_is_chosen_from_its_whole_list(processed, sessions):
    from sqlalchemy import update

    from db.models import AdditionalCharge

    window_id, _whole = processed
    with sessions.begin() as s:  # as migration 0017 left the lines stored before it
        s.execute(update(AdditionalCharge).values(days=None, average_daily=None))
    again = additional_charges.additional_charge_list(sessions, window_id)
    choice = LineChoice.of("average", None, "львівська")
    assert charge_lists.stored_choice(sessions, window_id, choice, 2) == charge_lists.choose(again, choice, 2)
    assert all(line.days for line in charge_lists.stored_choice(sessions, window_id, choice, 2).first)


def test_processing_leaves_the_planner_knowing_the_new_lines(world, sessions):
    """Autovacuum analyses a table only once a tenth of it has changed: processing analyses the lines it stored,
    so the page's queries are planned for a window of that size, not for an empty one."""
    from sqlalchemy import text

    if sessions.kw["bind"].dialect.name != "postgresql":
        pytest.skip("the planner's statistics are PostgreSQL's")
    window = world.window(FEB)
    world.meter(world.account("1120200000001"), serial="A-1")
    with sessions() as s:
        before = s.scalar(text("SELECT clock_timestamp()"))
    additional_charges.process_window(sessions, window, actor="manager", now=kyiv(2020, 3, 10))
    with sessions() as s:
        analysed = s.execute(
            text(
                "SELECT relname, last_analyze FROM pg_stat_user_tables "
                "WHERE relname IN ('additional_charges', 'recalculations') ORDER BY relname"
            )
        ).all()
    assert [name for name, _at in analysed] == ["additional_charges", "recalculations"]
    assert all(at is not None and at > before for _name, at in analysed), analysed


def test_statistics_that_cannot_be_refreshed_fail_nothing(sessions, caplog):
    """The analysis comes after the processing's commit: if it fails, the window stays processed and the manager
    sees no error; the operator finds a warning in the log."""
    from core import jobs

    if sessions.kw["bind"].dialect.name != "postgresql":
        pytest.skip("the planner's statistics are PostgreSQL's")
    jobs.refresh_statistics(sessions, "additional_charges", "no_such_table")
    assert "could not analyse additional_charges, no_such_table" in caplog.text
