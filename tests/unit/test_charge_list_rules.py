"""The additional-charge list's pure rules (core.charge_lists): its totals count every line once, in the street and
rule it belongs to, and a choice's count from the totals is the lines it chooses."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from core.charge_lists import LineChoice, choose, totals
from core.estimates import AdditionalChargeLine

STREETS = ["вул. Довга", "просп. Волі", "вул. Їжакевича"]
RULES = ["average", "norm"]


@st.composite
def lines(draw):
    count = draw(st.integers(0, 40))
    return [
        AdditionalChargeLine(
            n,
            f"11202000{n:05d}",
            f"{street}, {n}",
            street,
            n,
            f"A{n}",
            1,
            None,
            draw(st.sampled_from(RULES)),
            None,
            30,
            Decimal(draw(st.integers(0, 10_000))).scaleb(-3),
            Decimal("98.52"),
            Decimal(draw(st.integers(0, 100_000))).scaleb(-2),
        )
        for n, street in enumerate(draw(st.lists(st.sampled_from(STREETS), min_size=count, max_size=count)))
    ]


choices = st.builds(LineChoice, st.sampled_from([None, *RULES]), st.sampled_from([None, *STREETS, "вул. Немає"]))


@given(lines(), choices, st.integers(0, 50))
def test_a_choice_counted_from_the_totals_is_the_lines_it_chooses(lines, choice, limit):
    chosen = choose(lines, choice, limit)
    assert totals(lines).lines_of(choice) == chosen.matched
    assert list(chosen.first) == [line for line in lines if line in chosen.first][:limit]


@given(lines())
def test_the_totals_hold_every_line_once_with_the_busiest_street_first(lines):
    figures = totals(lines)
    assert figures.lines == len(lines) == sum(count for _street, rules in figures.by_street for _rule, count in rules)
    assert figures.volume == sum((line.volume for line in lines), Decimal(0))
    assert figures.amount == sum((line.amount for line in lines), Decimal(0))
    sizes = [sum(count for _rule, count in rules) for _street, rules in figures.by_street]
    assert sizes == sorted(sizes, reverse=True)
    for street, rules in figures.by_street:
        for rule, count in rules:
            assert count == sum(1 for line in lines if line.street == street and line.rule == rule) > 0
