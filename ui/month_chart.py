"""The account page's chart of charges (bars) and payments (a line) by month, drawn on the server as plain HTML and
SVG: the browser shows it without a chart library (Plotly's script took the browser about a second to load on
every page that opened "My account"), and it scales to a phone's width.

The plot is an SVG picture (st.html keeps no inline SVG) stretched to the width (preserveAspectRatio="none",
strokes that keep their width) and holding no text; the axis labels and the legend are HTML beside it, so text is
never stretched. Each month tells its sums on hover (a title over its column); the figures themselves are in the
history table below. Every text is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from html import escape
from urllib.parse import quote

import streamlit as st

from core import formatting
from core.clock import add_months
from core.consumer_history import MonthTotal

CHARGED_COLOUR = "#d9534f"
PAID_COLOUR = "#2e7d32"
MAX_X_LABELS = 6
NEAR_END = ' class="near-end"'  # the label before the latest month's, hidden on a narrow axis
_CSS = """
.teplo-chart{font-size:0.75rem;line-height:1.2;margin:0 0 0.5rem 0}
.teplo-chart .plot{display:flex;height:260px}
.teplo-chart .y{position:relative;flex:0 0 4.2rem;margin-right:0.35rem}
.teplo-chart .y span{position:absolute;right:0;transform:translateY(50%);white-space:nowrap;opacity:0.8}
.teplo-chart .area{position:relative;flex:1 1 auto}
.teplo-chart .area img{position:absolute;inset:0;width:100%;height:100%}
.teplo-chart .hover{position:absolute;inset:0;display:flex}
.teplo-chart .hover div{flex:1 1 0}
.teplo-chart .x{position:relative;height:1.3rem;margin-left:4.55rem;container-type:inline-size}
.teplo-chart .x span{position:absolute;top:0.3rem;white-space:nowrap;opacity:0.8}
@container (max-width:30rem){.teplo-chart .x .near-end{display:none}}
.teplo-chart .legend{display:flex;gap:1.2rem;justify-content:center;margin-top:0.4rem;font-size:0.85rem}
.teplo-chart .legend span{display:inline-flex;align-items:center;gap:0.35rem}
.teplo-chart .key{display:inline-block;width:0.8rem;height:0.8rem}
"""


def _step(span: float) -> float:
    """A round distance between gridlines (1, 2 or 5 times a power of ten) giving about four lines."""
    raw = span / 4
    power = 10 ** math.floor(math.log10(raw))
    return next(factor * power for factor in (1, 2, 5, 10) if factor * power >= raw)


def _ticks(low: float, high: float) -> list[float]:
    if high <= low:
        high = low + 1
    step = _step(high - low)
    first = math.floor(low / step) * step
    last = math.ceil(high / step) * step
    return [first + i * step for i in range(round((last - first) / step) + 1)]


def _number(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")


def _x_place(i: int, count: int) -> str:
    """Under the middle of its column; the last month's label ends at the plot's edge instead of overflowing it."""
    if i == count - 1:
        return "right:0"
    return f"left:{_number((i + 0.5) / count * 100)}%;transform:translateX(-50%)"


def every_month(months: Sequence[MonthTotal]) -> list[MonthTotal]:
    """The months from the first to the last, a month without charges or payments at zero (a gap stays visible)."""
    if not months:
        return []
    by_month = {m.month: m for m in months}
    zero = Decimal(0)
    result, month = [], months[0].month
    while month <= months[-1].month:
        result.append(by_month.get(month, MonthTotal(month, zero, zero)))
        month = add_months(month, 1)
    return result


def chart_html(months: Sequence[MonthTotal], lang: str, *, title: str, charged: str, paid: str) -> str:
    """The chart of `months` (oldest first, not empty) as one escaped HTML fragment; `charged` and `paid` name the
    two series."""
    months = every_month(months)
    values = [float(m.charged) for m in months] + [float(m.paid) for m in months]
    ticks = _ticks(min(0.0, *values), max(0.0, *values))
    low, high = ticks[0], ticks[-1]

    def y(value: float) -> float:  # 0 at the top of the plot, 100 at the bottom
        return 100 - (value - low) / (high - low) * 100

    count = len(months)
    zero = y(0)
    shapes = []
    for tick in ticks:
        shapes.append(
            f'<line x1="0" x2="{count}" y1="{_number(y(tick))}" y2="{_number(y(tick))}" stroke="rgba(128,128,128,0.3)"'
            ' stroke-width="1" vector-effect="non-scaling-stroke"/>'
        )
    for i, month in enumerate(months):
        top, bottom = sorted((y(float(month.charged)), zero))
        shapes.append(
            f'<rect x="{i + 0.15:.2f}" width="0.7" y="{_number(top)}" height="{_number(bottom - top)}"'
            f' fill="{CHARGED_COLOUR}"/>'
        )
    points = [(i + 0.5, y(float(m.paid))) for i, m in enumerate(months)]
    line = " ".join(f"{x:.2f},{_number(v)}" for x, v in points)
    shapes.append(
        f'<polyline points="{line}" fill="none" stroke="{PAID_COLOUR}" stroke-width="2"'
        ' vector-effect="non-scaling-stroke" stroke-linejoin="round"/>'
    )
    # Zero-length strokes with round caps: dots that stay round however the plot is stretched.
    dots = "".join(f"M{x:.2f} {_number(v)}h0" for x, v in points)
    shapes.append(
        f'<path d="{dots}" stroke="{PAID_COLOUR}" stroke-width="8" stroke-linecap="round"'
        ' vector-effect="non-scaling-stroke"/>'
    )
    picture = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {count} 100" preserveAspectRatio="none">'
        f"{''.join(shapes)}</svg>"
    )
    tips = "".join(
        f'<div title="{escape(formatting.month(m.month, lang))}: {escape(charged)} '
        f'{escape(formatting.money(m.charged, lang))}; {escape(paid)} {escape(formatting.money(m.paid, lang))}"></div>'
        for m in months
    )
    y_labels = "".join(
        f'<span style="bottom:{_number(100 - y(tick))}%">'
        f"{escape(formatting.number(Decimal(str(tick)), lang))}\u00a0₴</span>"
        for tick in ticks
    )
    every = max(1, math.ceil(count / MAX_X_LABELS))
    # The latest month always has its label, set against the plot's right edge; on a phone the label before it
    # would run into it, so that one is hidden where the axis is narrow (the container query in _CSS).
    x_labels = "".join(
        f'<span{NEAR_END if count - 1 - i == every else ""} style="{_x_place(i, count)}">{m.month:%m.%Y}</span>'
        for i, m in enumerate(months)
        if (count - 1 - i) % every == 0
    )
    summary = f"{title}: {formatting.month(months[0].month, lang)} — {formatting.month(months[-1].month, lang)}"
    return (
        f"<style>{_CSS}</style>"
        f'<div class="teplo-chart" role="img" aria-label="{escape(summary)}">'
        f'<div class="plot"><div class="y" aria-hidden="true">{y_labels}</div>'
        f'<div class="area"><img alt="" src="data:image/svg+xml,{quote(picture)}">'
        f'<div class="hover">{tips}</div></div></div>'
        f'<div class="x" aria-hidden="true">{x_labels}</div>'
        f'<div class="legend" aria-hidden="true"><span><i class="key" style="background:{CHARGED_COLOUR}"></i>'
        f'{escape(charged)}</span><span><i class="key" style="background:{PAID_COLOUR};border-radius:50%"></i>'
        f"{escape(paid)}</span></div></div>"
    )


def month_chart(months: Sequence[MonthTotal], lang: str, *, title: str, charged: str, paid: str) -> None:
    st.html(chart_html(months, lang, title=title, charged=charged, paid=paid))
