"""The account page's chart as the server draws it: every month from the first to the last, the bars and the line at
their values, every text escaped, the picture itself holding no text."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from urllib.parse import unquote

from core.consumer_history import MonthTotal
from ui.month_chart import chart_html, every_month


def month(year: int, number: int, charged: str, paid: str) -> MonthTotal:
    return MonthTotal(dt.date(year, number, 1), Decimal(charged), Decimal(paid))


def picture(html: str) -> str:
    found = re.search(r'src="data:image/svg\+xml,([^"]*)"', html)
    assert found, "the chart has no picture"
    return unquote(found.group(1))


def test_months_without_charges_or_payments_are_kept_at_zero():
    months = every_month([month(2025, 11, "100", "0"), month(2026, 2, "0", "50")])
    assert [(m.month.month, m.charged, m.paid) for m in months] == [
        (11, Decimal("100"), Decimal("0")),
        (12, Decimal("0"), Decimal("0")),
        (1, Decimal("0"), Decimal("0")),
        (2, Decimal("0"), Decimal("50")),
    ]


def test_bars_line_and_axis_at_the_values():
    html = chart_html(
        [month(2026, 9, "1500", "0"), month(2026, 10, "2000", "1000")], "uk", title="T", charged="C", paid="P"
    )
    svg = picture(html)
    # The axis runs 0 .. 2000 ₴ in steps of 500; the bar of 1500 rises three quarters of the plot.
    assert [
        label.replace("\u00a0", " ") for label in re.findall(r'<span style="bottom:[^"]*">([^<]*)</span>', html)
    ] == [
        "0 ₴",
        "500 ₴",
        "1 000 ₴",
        "1 500 ₴",
        "2 000 ₴",
    ]
    assert '<rect x="0.15" width="0.7" y="25" height="75"' in svg
    assert '<polyline points="0.50,100 1.50,50"' in svg
    assert 'title="жовтень 2026: C 2\u00a0000,00\u00a0₴; P 1\u00a0000,00\u00a0₴"' in html
    assert 'aria-label="T: вересень 2026 — жовтень 2026"' in html


def test_a_negative_month_goes_below_zero():
    svg = picture(
        chart_html([month(2026, 9, "-500", "0"), month(2026, 10, "1500", "0")], "en", title="T", charged="C", paid="P")
    )
    # The axis runs -500 .. 1500: zero is three quarters down; the credit hangs from it.
    assert '<rect x="0.15" width="0.7" y="75" height="25"' in svg


def test_texts_are_escaped_and_the_picture_holds_none():
    html = chart_html(
        [month(2026, 10, "10", "5")], "en", title='<img src=x onerror="alert(1)">', charged="<b>C</b>", paid="P & Q"
    )
    assert "<img src=x" not in html and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "<b>" not in html and "&lt;b&gt;C&lt;/b&gt;" in html and "P &amp; Q" in html
    assert "<text" not in picture(html) and "<title" not in picture(html)
