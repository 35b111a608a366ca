"""The register's rows: every spelling the README allows of the same account reads as the same values, so a
register exported again by another tool is "unchanged", never a change."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from core.register_parsing import account_values, address_of, read_table

TODAY = dt.date(2026, 11, 27)
STREETS = ["вул. Гулака-Артемовського", "просп. Волі", "вул. Карпенка-Карого", "Lesi Ukrainky St"]
HEADERS = {
    "account_number": ["account_number", "Особовий рахунок", "ОСОБОВИЙ-РАХУНОК"],
    "street": ["street", "Вулиця"],
    "building": ["building", "будинок"],
    "flat": ["flat", "Квартира"],
    "residents": ["residents", "мешканців"],
    "heating": ["heating", "Опалення"],
    "hot_water": ["hot_water", "гаряча вода", "ГВП"],
    "heated_area": ["heated_area", "Опалювана площа"],
    "closed_on": ["closed_on", "дата закриття"],
}
YES, NO = ["1", "так", "Так", "yes", "TRUE", "+"], ["0", "ні", "НІ", "no", "false", "-"]


@st.composite
def rows(draw):
    values = {
        "street": draw(st.sampled_from(STREETS)),
        "building": str(draw(st.integers(1, 200))) + draw(st.sampled_from(["", "а", "/2"])),
        "flat": draw(st.one_of(st.none(), st.integers(1, 300).map(str))),
        "residents": draw(st.integers(0, 999)),
        "heating": draw(st.booleans()),
        "hot_water": draw(st.booleans()),
        "heated_area": Decimal(draw(st.integers(0, 9_999_999))).scaleb(-2),
        "closed_on": draw(st.one_of(st.none(), st.dates(dt.date(1990, 1, 1), TODAY))),
    }
    delimiter = draw(st.sampled_from([";", ","]))
    comma = draw(st.booleans())
    area = f"{values['heated_area']:,.2f}".replace(",", draw(st.sampled_from(["", " ", "\u00a0"])))
    area = area.replace(".", ",") if comma else area
    spaced = values["street"].replace(" ", draw(st.sampled_from([" ", "  ", " \t"])))
    day = values["closed_on"]
    cells = {
        "account_number": draw(st.sampled_from(["1120200001000", "112 0200 001 000", "1120-2000-01000"])),
        "street": draw(st.sampled_from(["", " "])) + spaced,
        "building": values["building"],
        "flat": values["flat"] or "",
        "residents": str(values["residents"]),
        "heating": draw(st.sampled_from(YES if values["heating"] else NO)),
        "hot_water": draw(st.sampled_from(YES if values["hot_water"] else NO)),
        "heated_area": area,
        "closed_on": "" if day is None else draw(st.sampled_from([day.isoformat(), f"{day:%d.%m.%Y}"])),
    }
    order = draw(st.permutations(list(cells)))
    header = delimiter.join(draw(st.sampled_from(HEADERS[name])) for name in order)
    line = delimiter.join('"' + cells[name] + '"' if delimiter in cells[name] else cells[name] for name in order)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1251"]))
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    return (header + ending + line + ending).encode(encoding), values


@settings(max_examples=300, deadline=None)
@given(rows())
def test_every_allowed_spelling_of_an_account_reads_as_the_same_values(case):
    data, expected = case
    table = read_table("accounts", data)
    assert table.rejected == []
    [(line, row)] = table.rows
    assert line == 2
    assert account_values(row, None, TODAY) == expected
    assert address_of(expected["street"], expected["building"], expected["flat"]).startswith(expected["street"] + ", ")


def test_a_change_reads_in_the_staff_language_with_the_files_column_names():
    from core.register_import import describe_change

    fields = {
        "building": ("20", "22"),
        "heating": (True, False),
        "hot_water": (False, True),
        "closed_on": (None, dt.date(2026, 11, 26)),
    }
    assert describe_change(fields) == (
        "building: 20 → 22; heating: так → ні; hot_water: ні → так; closed_on: — → 2026-11-26"
    )
    assert describe_change(fields, "en") == (
        "building: 20 → 22; heating: yes → no; hot_water: no → yes; closed_on: — → 2026-11-26"
    )
