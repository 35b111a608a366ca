"""The import's fast date parsing accepts and refuses exactly what the strptime patterns do."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.clock import KYIV
from core.import_parsing import parse_decimal
from core.import_rows import by_patterns, parse_moment

SAMPLES = [
    "2026-11-02 14:30",
    "2026-11-02 14:30:59",
    "2026-11-02T14:30",
    "2026-11-02T00:00:00",
    " 2026-11-02 14:30 ",
    "2026-11-02",
    "02.11.2026 14:30",
    "02.11.2026 14:30:05",
    "02.11.2026",
    "2026-1-2 9:05",
    "2026-11-02t14:30",
    "2026-11-02  14:30",
    "2024-02-29",
    "2026-03-29 03:30",
    "2026-10-25 03:30",
    # refused
    "2026-02-29",
    "2026-02-30 10:00",
    "2026-11-02 24:00",
    "2026-11-02 14:60",
    "2026-11-02 14:30:61",
    "2026-13-01",
    "2026-00-10",
    "2026-11-02 14",
    "2026-11-02T14:30:00+02:00",
    "2026-11-02 14:30:00.5",
    "20261102",
    "",
    "сьогодні",
    "٢٠٢٦-١١-٠٢ 14:30",
    "２０２６-11-02",
]
FOREIGN_DIGITS = {"٢٠٢٦-١١-٠٢ 14:30", "２０２６-11-02"}  # strptime reads them; the import refuses them


@pytest.mark.parametrize("text", SAMPLES)
def test_parse_moment_agrees_with_the_patterns(text):
    if text in FOREIGN_DIGITS:
        with pytest.raises(ValueError):
            parse_moment(text)
        return
    try:
        expected = by_patterns(text.strip(), text)
    except ValueError:
        with pytest.raises(ValueError):
            parse_moment(text)
    else:
        moment = parse_moment(text)
        assert (moment, moment.tzinfo, moment.utcoffset()) == (expected, KYIV, expected.utcoffset())


@pytest.mark.parametrize(
    "text,places,value",
    [
        ("1 500,00", 2, "1500.00"),
        ("87.45", 2, "87.45"),
        ("0,01", 2, "0.01"),
        ("1\u00a0234,5", 2, "1234.5"),
        ("-3", 2, "-3"),
        ("12.345", 3, "12.345"),
    ],
)
def test_parse_decimal_reads_kopecks_exactly(text, places, value):
    parsed = parse_decimal(text, places)
    assert parsed == Decimal(value) and str(parsed) == value


@pytest.mark.parametrize("text", ["", "1.234", "1,2,3", "1e3", "сто", "12.", ".5"])
def test_parse_decimal_refuses_what_is_not_a_plain_amount(text):
    with pytest.raises(ValueError):
        parse_decimal(text, 2)
