"""Rendering helpers for the staff pages: Plotly figures in the Ukrainian number format, labels, CSV bytes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TypeVar

import plotly.graph_objects as go
import streamlit as st

from core import export, formatting
from core.formatting import half_up
from core.i18n import t

T = TypeVar("T")

SERVICE_NAMES = {"heating": t("service.heating"), "hot_water": t("service.hot_water")}
PAYMENT_CHANNEL_NAMES = {"bank": "Банк", "post": "Пошта", "terminal": "Термінал", "cabinet": "Кабінет (онлайн)"}
READING_CHANNEL_NAMES = {"cabinet": "Кабінет споживача", "water_utility": "Водоканал", "staff": "Працівник"}
RULE_NAMES = {"average": "За середнім (≤ 3 міс.)", "norm": "За нормою", "flagged": "Показання на перевірці",
              "recalculation": "Перерахунок"}
QUALITY_NAMES = {"actual": "Фактичне", "estimated": "Оцінка", "corrected": "Виправлене"}
STATUS_NAMES = {"accepted": "Чинне", "superseded": "Замінене"}
COLORS = ["#1f6fb2", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1", "#9c755f", "#edc948"]
MONTHS_UK = ["січ", "лют", "бер", "кві", "тра", "чер", "лип", "сер", "вер", "жов", "лис", "гру"]


def month_label(month: dt.date) -> str:
    return f"{MONTHS_UK[month.month - 1]} {month.year}"


def month_name(month: dt.date) -> str:
    """`листопад 2026`, for sentences; month_label is the short form for axes."""
    return formatting.month(month)


def money(value: Decimal | None) -> str:
    return "—" if value is None else formatting.money(value)


def number(value, places: int = 0) -> str:
    return "—" if value is None else formatting.number(value, places=places)


def percent(value: Decimal | None) -> str:
    return "—" if value is None else formatting.percent(value)


def date(value: dt.date | None) -> str:
    return "" if value is None else formatting.date(value)


def moment(value: dt.datetime | None) -> str:
    return "" if value is None else formatting.datetime(value)


def figure(title: str, x_title: str, y_title: str, height: int = 380) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(
        # The title at the very top and the legend right above the plot, with room for it to wrap onto a second
        # line in a half-width column without running into the title.
        title={"text": title, "x": 0, "xanchor": "left", "y": 0.98, "yanchor": "top"}, separators=", ",
        height=height, xaxis_title=x_title, yaxis_title=y_title, colorway=COLORS,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1},
        margin={"l": 10, "r": 10, "t": 100, "b": 10}, hovermode="x unified",
    )
    fig.update_xaxes(type="category")
    fig.update_yaxes(tickformat=",", rangemode="tozero")
    return fig


def show(fig: go.Figure, key: str | None = None) -> None:
    st.plotly_chart(fig, key=key, config={"displaylogo": False})


_SCALES = ((Decimal(10) ** 9, "млрд"), (Decimal(10) ** 6, "млн"))


def money_short(value: Decimal | None) -> str:
    """An amount that fits a metric tile: to a million in full (`633 584,83 ₴`), above in millions or billions
    with two decimals (`663,39 млн ₴`, `120,00 млрд ₴`). A city's total debt has 12 digits and st.metric cuts a
    value that does not fit its column («663 388 902,…»); the page shows the full amount beside it."""
    if value is None:
        return "—"
    (billion, _), (million, _) = _SCALES
    if abs(value) >= billion or abs(half_up(value / million, 2)) >= 1000:  # never "1 000,00 млн"
        return f"{formatting.number(value / billion, places=2)}\u00a0млрд\u00a0₴"
    if abs(value) >= million:
        return f"{formatting.number(value / million, places=2)}\u00a0млн\u00a0₴"
    return money(value)


def shortened(value: Decimal | None) -> bool:
    """money_short wrote the amount in millions or billions (so the full amount belongs on the next line)."""
    return value is not None and abs(value) >= _SCALES[-1][0]


def delta(current, previous, unit: str = "", places: int = 1) -> str | None:
    """st.metric delta text: the change against the previous period, Ukrainian-formatted."""
    if current is None or previous is None:
        return None
    change = Decimal(current) - Decimal(previous)
    if change == 0:
        return "0"  # st.metric shows exactly "0" grey, without an arrow
    # An ASCII minus: st.metric reads the arrow and the colour from a leading "-" (a typographic "−" showed a
    # fall as a green rise).
    sign = "+" if change > 0 else "-"
    if unit.strip() == "₴" and shortened(change):
        return sign + money_short(abs(change))  # a change of millions, as short as the value above it
    return f"{sign}{formatting.number(abs(change), places=places)}{unit.replace(' ', chr(0xa0))}"


def csv_bytes(header: list[str], rows, filters: dict[str, str] | None = None) -> bytes:
    """Every staff download goes through core.export (text cells neutralised against spreadsheet formulas)."""
    return export.csv_bytes(header, rows, filters)


def flag_reason(reason: str | None) -> str:
    """The stored review reason in Ukrainian: `consumption 25.000 m3 above 10.000 m3` -> a sentence."""
    import re

    found = re.fullmatch(r"consumption ([\d.]+) m3(?: in (\d+) days)? above ([\d.]+) m3", reason or "")
    if not found:
        return reason or ""
    used, days, limit = found.groups()
    over = f" за {days} дн." if days else ""
    return (f"Споживання {formatting.volume(Decimal(used))}{over} перевищує поріг {formatting.volume(Decimal(limit))}"
            " — перевірте")


def file_suffix(filters: dict[str, str]) -> str:
    parts = [f"{k}-{v}" for k, v in filters.items() if v]
    text = "_".join(parts).replace(" ", "-").replace("/", "-").replace(".", "")
    return ("_" + text) if text else ""


# ------------------------------------------------------------------------------------------- long lists

SHOWN_ROWS = 200  # rows a staff table sends to the browser; the full list is always in the CSV beside it


def capped_table(items: Sequence[T], record: Callable[[T], dict], *, key: str, what: str = "рядків",
                 limit: int = SHOWN_ROWS, search_in: Callable[[T], str] | None = None) -> list[T]:
    """A long list as a table of its first `limit` rows, with a search over the rows (all of them, not only those
    shown) and the count: "Показано 200 з 10 930". A city-scale list (tens of thousands of rows) would otherwise
    go to the browser whole on every rerun; the page offers the full list as a CSV download. Returns the rows the
    search kept (for a download of just those, if the page wants one)."""
    query = ""
    if len(items) > 20:
        query = st.text_input("Пошук у списку", key=f"{key}_search", placeholder="рахунок, адреса, лічильник…",
                              help="Шукає в усіх рядках списку, не лише в показаних; регістр не важливий.").strip()
    haystack = search_in or (lambda item: " ".join(str(v) for v in record(item).values()))
    words = query.casefold().split()
    matched = [i for i in items if all(w in haystack(i).casefold() for w in words)] if words else list(items)
    shown = matched[:limit]
    if shown:
        st.dataframe([record(i) for i in shown], hide_index=True)
    elif words:
        st.info("Нічого не знайдено: змініть пошуковий запит.")
    if words:
        st.caption(f"Знайдено {number(len(matched))} з {number(len(items))} {what}"
                   + (f"; показано перші {number(len(shown))}" if len(matched) > len(shown) else "")
                   + ". Повний список — у файлі CSV.")
    elif len(items) > len(shown):
        st.caption(f"Показано {number(len(shown))} з {number(len(items))} {what}. "
                   "Повний список — у файлі CSV; знайти окремі рядки можна пошуком.")
    return matched


def list_csv(items: Sequence[T], record: Callable[[T], dict], filters: dict[str, str] | None = None):
    """The whole list (every row, not only those a capped table shows) as CSV with the table's columns, built only
    when the download is clicked (a deferred download); through core.export like every download."""
    def build() -> bytes:
        records = [record(i) for i in items]
        return csv_bytes(list(records[0]) if records else [], [list(r.values()) for r in records], filters)
    return build
