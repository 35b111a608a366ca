"""CSV injection: no text cell of a download can start a spreadsheet formula; numbers stay numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from core import export
from core.clock import KYIV

ATTACKS = ["=1+1", "@SUM(1)", '=HYPERLINK("http://x","y")', "+7", "-2+3", "\t=1+1", "\r=1+1"]


def cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


@given(st.text())
def test_no_text_cell_starts_with_a_formula_character_and_nothing_is_lost(text):
    shown = export.cell(text)
    assert not shown.startswith(export.FORMULA_STARTS)
    assert shown == text or shown == "'" + text  # the text itself is kept, at most behind one quote


@given(st.text(min_size=1).filter(lambda s: not s.startswith(export.FORMULA_STARTS)))
def test_ordinary_text_is_written_as_it_is(text):
    assert export.cell(text) == text


@given(st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-(10**9), max_value=10**9))
def test_amounts_stay_numbers_even_when_negative(amount):
    shown = export.cell(amount)
    assert Decimal(shown.replace(",", ".")) == amount and not shown.startswith("'")


def test_a_file_with_formulas_in_every_text_column():
    rows = [[attack, Decimal("-12.50"), 7, dt.datetime(2026, 11, 27, 12, tzinfo=KYIV), None] for attack in ATTACKS]
    data = export.csv_bytes(["text", "amount", "count", "when", "empty"], rows, {"вулиця": "=1+1"})
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[0] == "# Фільтри: вулиця==1+1"  # one comment line, never a cell starting with '='
    read = cells(data)[2:]
    assert [row[0] for row in read] == ["'" + attack for attack in ATTACKS]
    assert {tuple(row[1:]) for row in read} == {("-12,50", "7", "27.11.2026 12:00", "")}


def test_yes_and_no_cells_are_in_the_readers_language_ukrainian_by_default():
    rows = [["1120200001000", True, False]]
    assert cells(export.csv_bytes(["account", "heating", "hot_water"], rows))[1] == ["1120200001000", "так", "ні"]
    assert cells(export.csv_bytes(["account", "heating", "hot_water"], rows, lang="en"))[1] == [
        "1120200001000",
        "yes",
        "no",
    ]
    assert (export.cell(True), export.cell(False, "en")) == ("так", "no")
