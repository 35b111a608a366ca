"""Reading an import file: a last row without a line end, control trailers, non-ASCII digits, date ranges."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.clock import KYIV
from core.errors import DomainError
from core.import_parsing import ForeignDigits, date_in_range, month_in_range, parse_decimal, read_table

HEADER = "account_number;service;amount;paid_at;payment_ref\r\n"
ROW = "1120200001000;heating;1500,00;2026-11-10;PB-{n}\r\n"
NOW = dt.datetime(2026, 11, 27, 12, tzinfo=KYIV)


def test_a_last_row_without_a_line_end_is_a_truncation_suspect_even_when_its_fields_are_all_there():
    table = read_table("bank", (HEADER + ROW.format(n=1) + ROW.format(n=2)[:-7]).encode())
    assert [line for line, _row in table.rows] == [2]
    assert [(r.line, r.key) for r in table.rejected] == [(3, "import.truncated")]


def test_a_cut_inside_a_quoted_last_field_is_the_cut_row_not_a_broken_file():
    table = read_table("bank", (HEADER + ROW.format(n=1) + '1120200001000;heating;"1 50').encode())
    assert [(r.line, r.key) for r in table.rejected] == [(3, "import.truncated")]


@given(st.integers(min_value=1, max_value=len(ROW.format(n=2)) - 2))
def test_any_cut_of_the_last_row_never_yields_a_row(cut):
    text = HEADER + ROW.format(n=1) + ROW.format(n=2)[:cut]
    table = read_table("bank", text.encode())
    assert [line for line, _row in table.rows] == [2]
    assert [r.line for r in table.rejected] == [3]


@pytest.mark.parametrize("ending", ["\r\n", "\n", "\r"])
def test_every_kind_of_line_end_closes_the_last_row(ending):
    table = read_table("bank", (HEADER + ROW.format(n=1).replace("\r\n", ending)).encode())
    assert (len(table.rows), table.rejected) == (1, [])


def test_rows_and_total_are_counted_over_every_data_line():
    table = read_table("bank", (HEADER + ROW.format(n=1) + "1120200001000;heating;87,45\r\n").encode())
    assert (table.data_rows, table.total) == (2, Decimal("1587.45"))
    assert [r.key for r in table.rejected] == ["import.field_count"]


@pytest.mark.parametrize(
    "trailer, rows, total",
    [
        ("TOTAL;2;3000,00\r\n", 2, Decimal("3000.00")),
        ("разом;2;;\r\n", 2, None),
        ("#total;2;3 000,00", 2, Decimal("3000")),
    ],
)
def test_a_trailer_that_matches_is_read_and_not_a_row(trailer, rows, total):
    table = read_table("bank", (HEADER + ROW.format(n=1) + ROW.format(n=2) + trailer).encode())
    assert (len(table.rows), table.rejected, table.trailer.rows, table.trailer.total) == (2, [], rows, total)


@pytest.mark.parametrize(
    "trailer, key",
    [
        ("TOTAL;1;3000,00\r\n", "import.trailer_mismatch"),
        ("TOTAL;2;3000,01\r\n", "import.trailer_mismatch"),
        ("TOTAL;two;3000,00\r\n", "import.trailer_format"),
        ("TOTAL;٢;3000,00\r\n", "import.trailer_format"),
    ],
)
def test_a_trailer_that_does_not_match_refuses_the_file(trailer, key):
    with pytest.raises(DomainError) as refused:
        read_table("bank", (HEADER + ROW.format(n=1) + ROW.format(n=2) + trailer).encode())
    assert refused.value.key == key


@pytest.mark.parametrize("text", ["٣٤", "１２３", "1 ٥٠٠,00", "12,٣"])
def test_foreign_digits_are_refused_not_read(text):
    with pytest.raises(ForeignDigits):
        parse_decimal(text, 2)


@pytest.mark.parametrize(
    "day, accepted",
    [
        (dt.date(1, 1, 1), False),
        (dt.date(1999, 12, 31), False),
        (dt.date(2000, 1, 1), True),
        (dt.date(2026, 11, 28), True),
        (dt.date(2026, 11, 29), False),
        (dt.date(9999, 12, 31), False),
    ],
)
def test_dates_from_2000_to_tomorrow(day, accepted):
    assert date_in_range(day, NOW) is accepted


@pytest.mark.parametrize(
    "month, accepted",
    [
        (dt.date(1, 1, 1), False),
        (dt.date(2000, 1, 1), True),
        (dt.date(2026, 11, 1), True),
        (dt.date(2026, 12, 1), False),
    ],
)
def test_months_from_2000_to_tomorrows(month, accepted):
    assert month_in_range(month, NOW) is accepted
