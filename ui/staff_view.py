"""Rendering helpers for the staff pages: Plotly figures in the Ukrainian number format, labels, CSV bytes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import plotly.graph_objects as go
import streamlit as st

from core import export, formatting
from core.i18n import t

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


def bars(title: str, x_title: str, labels: list[str], buckets: list, series: dict[str, dict], names: dict[str, str],
         barmode: str, height: int = 380) -> go.Figure:
    """Money per bucket (`labels` shown for `buckets`), one bar a series in the order of `names` (those with data)."""
    fig = figure(title, x_title, "Сума, ₴", height=height)
    for key, name in names.items():
        if key in series:
            fig.add_bar(x=labels, y=[float(series[key].get(b, 0)) for b in buckets], name=name)
    fig.update_layout(barmode=barmode)
    fig.update_yaxes(tickformat=",.0f")
    return fig


def paid_against_due(months, title: str, due_name: str) -> go.Figure:
    """Per month (core.dashboard_payments.MonthBalance) the money received (bars) and the bill due (a line)."""
    fig = figure(title, "Місяць", "Сума, ₴")
    labels = [month_label(m.month) for m in months]
    fig.add_bar(x=labels, y=[float(m.paid) for m in months], name="Надійшло оплат")
    fig.add_scatter(x=labels, y=[float(m.charged) for m in months], name=due_name, mode="lines+markers")
    fig.update_yaxes(tickformat=",.0f")
    return fig


def table_with_csv(header: list[str], rows, shown, filters: dict[str, str], file_stem: str,
                   key: str | None = None) -> None:
    """A table as shown on screen and its download: the raw `rows` written by core.export, with the filters."""
    st.dataframe([dict(zip(header, row)) for row in shown], hide_index=True)
    st.download_button("Завантажити CSV", csv_bytes(header, rows, filters), icon=":material/download:",
                       file_name=f"{file_stem}{file_suffix(filters)}.csv", mime="text/csv", key=key)


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
