"""What an import file holds, for the operator who prepares one: each kind's columns as its parser reads them
(core.import_parsing for the ledger files, core.register_parsing for the register), an example of each from the
kind's sample file, and that sample file itself (data/samples), which the imports page offers for download.

Nothing here is a second list of columns: the names, the other headers accepted and which columns are required
come from the parsers' COLUMNS and REQUIRED, the examples from the sample read by the same parser. What a column
holds is a catalog message per kind and column (`import.column.<kind>.<name>`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from core import import_parsing, register_parsing

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "data" / "samples"
SAMPLES = {
    "bank": "bank_registry.csv",
    "charges": "charges.csv",
    "readings": "water_utility_readings.csv",
    "accounts": "accounts.csv",
    "meters": "meters.csv",
    "tariffs": "tariffs.csv",
}
KINDS = (*import_parsing.KINDS, *register_parsing.KINDS)


@dataclass(frozen=True)
class Column:
    """One column of a kind's file."""

    kind: str
    name: str  # the header the parser knows it by (and the sample uses)
    other_names: tuple[str, ...]  # further headers read as this column (any case; spaces or dashes for `_`)
    required: bool  # a file without it is refused as a whole
    example: str  # as the sample file writes it; "" when the sample leaves it empty in every row

    @property
    def description_key(self) -> str:
        return f"import.column.{self.kind}.{self.name}"


@dataclass(frozen=True)
class Sample:
    """A kind's sample file: a small file the import accepts, with every column the parser reads."""

    name: str
    data: bytes


@cache
def sample(kind: str) -> Sample:
    name = SAMPLES[kind]
    return Sample(name, (SAMPLES_DIR / name).read_bytes())


@cache
def columns(kind: str) -> tuple[Column, ...]:
    """The columns of `kind`'s file in the parser's order, each with the first value the sample gives it."""
    data = sample(kind).data
    if kind in import_parsing.KINDS:
        spec, required = import_parsing.COLUMNS[kind], import_parsing.REQUIRED[kind]
        rows = [row for _line, row in import_parsing.read_table(kind, data).rows]
    else:
        spec, required = register_parsing.COLUMNS[kind], register_parsing.REQUIRED[kind]
        rows = [row for _line, row in register_parsing.read_table(kind, data).rows]
    return tuple(
        Column(
            kind=kind,
            name=name,
            other_names=tuple(s for s in spellings if s != name),
            required=name in required,
            example=next((row[name] for row in rows if row.get(name)), ""),
        )
        for name, spellings in spec.items()
    )
