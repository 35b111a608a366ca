"""A small table for the consumer's history that fits a 390 px phone without a sideways swipe.

st.dataframe draws a fixed-width grid (each column as wide as its longest value, scrolled sideways on a phone) and
carries an English toolbar; here each row is a real HTML table row whose cells wrap, with a second, smaller line
under the main value for what a wide table would put in further columns (the charge before a discount, the
payment channel, a correction note). Headers are real <th scope="col"> cells, so a screen reader reads each cell
with its column name. Every value is escaped: nothing in a cell is read as HTML or Markdown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import streamlit as st


@dataclass(frozen=True)
class Cell:
    """A cell: its value and, on a second line under it, the detail (empty: none)."""

    value: str
    detail: str = ""


_TABLE = "width:100%;border-collapse:collapse;font-size:0.95rem;line-height:1.35;table-layout:auto"
_CAPTION = "caption-side:top;text-align:left;font-size:0.875rem;opacity:0.75;padding:0 0 0.25rem 0"
_HEAD = "text-align:{align};font-weight:600;padding:0.35rem 0.4rem;border-bottom:2px solid rgba(128,128,128,0.45)"
_BODY = "text-align:{align};vertical-align:top;padding:0.4rem;border-bottom:1px solid rgba(128,128,128,0.25)"
_VALUE = "white-space:nowrap"
_DETAIL = "display:block;font-size:0.8rem;opacity:0.75;white-space:normal"


def table_html(
    caption: str, headers: Sequence[str], rows: Sequence[Sequence[Cell]], numeric: frozenset[int] = frozenset()
) -> str:
    """The table as escaped HTML; the columns in `numeric` (by index) are right-aligned."""

    def align(i: int) -> str:
        return "right" if i in numeric else "left"

    head = "".join(
        f'<th scope="col" style="{_HEAD.format(align=align(i))}">{escape(h)}</th>' for i, h in enumerate(headers)
    )
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            detail = f'<span style="{_DETAIL}">{escape(cell.detail)}</span>' if cell.detail else ""
            cells.append(
                f'<td style="{_BODY.format(align=align(i))}">'
                f'<span style="{_VALUE}">{escape(cell.value)}</span>{detail}</td>'
            )
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'<table style="{_TABLE}"><caption style="{_CAPTION}">{escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def history_table(
    caption: str, headers: Sequence[str], rows: Sequence[Sequence[Cell]], numeric: frozenset[int] = frozenset()
) -> None:
    st.html(table_html(caption, headers, rows, numeric))
