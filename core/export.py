"""CSV files the apps hand out: one writer, so no exported cell can carry a spreadsheet formula.

Imported and typed text (a bank's payment reference, an address, a street) ends up in downloads that staff open
in Excel or LibreOffice, which evaluate a cell starting with `=`, `+`, `-` or `@` (and, in some versions, after
a leading tab or carriage return) as a formula: `=HYPERLINK("http://x","y")` becomes a live link, and worse
formulas can run commands or leak other cells. Following the OWASP rule on CSV injection, every TEXT cell that
starts with one of those characters is written with a leading single quote, which makes the spreadsheet show
it as text. Numbers (Decimal, int) stay numbers: a negative amount `-12,50` is a legitimate value, not text,
and the billing system reads it as such; only `str` values are neutralised.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from core import formatting
from core.i18n import t

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """A text cell a spreadsheet shows as typed: a leading single quote before a formula character."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def decimal_comma(value: Decimal | int, places: int | None = None) -> str:
    """A number the Ukrainian way for a CSV cell: `1866,66` (no thousands separator)."""
    if places is not None:
        value = Decimal(value).quantize(Decimal(1).scaleb(-places))
    return str(value).replace(".", ",")


def cell(value: object, lang: str = "uk") -> str:
    """One CSV cell: numbers as numbers (decimal comma), dates and times in the business format, text neutralised;
    yes/no in lang (the reader's language: the column headers are in it too)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return t("value.yes", lang) if value else t("value.no", lang)
    if isinstance(value, (Decimal, int)):
        return decimal_comma(value)
    if isinstance(value, dt.datetime):
        return formatting.datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralise(str(value))


class Number(str):
    """A cell already formatted as a number by the caller (e.g. `98,52`): written as it is, never neutralised."""


def csv_bytes(
    header: Sequence[str], rows: Iterable[Sequence[object]], filters: dict[str, str] | None = None, lang: str = "uk"
) -> bytes:
    """`;`-separated UTF-8 CSV with BOM and CRLF (opens in Excel as it is); the filters applied, if given, head
    the file as one `# Фільтри: …` line in lang (starting with `#`, so never a formula)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    if filters is not None:
        described = ", ".join(f"{k}={v}" for k, v in filters.items()) or t("export.no_filters", lang)
        line = "# " + t("export.filters", lang, filters=described)  # the '#' in code: a comment line in any language
        buffer.write(line.replace(";", ",").replace("\r", " ").replace("\n", " ") + "\r\n")
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([v if isinstance(v, Number) else cell(v, lang) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
