"""Rendering helpers for the staff pages: Plotly figures and figures in the staff language's number format,
names of codes, CSV bytes."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import TypeVar

import plotly.graph_objects as go
import streamlit as st

from core import audit_words, export, file_names, formatting
from core.formatting import half_up
from core.i18n import LANGUAGES, t
from ui.staff_text import Names, language, pinned, tr

T = TypeVar("T")

SERVICE_NAMES = Names("service.", ("heating", "hot_water"))
PAYMENT_CHANNEL_NAMES = Names("staff.payment_channel.", ("bank", "post", "terminal", "cabinet"))
READING_CHANNEL_NAMES = Names("staff.reading_channel.", ("cabinet", "water_utility", "staff"))
RULE_NAMES = Names("staff.rule.", ("average", "norm", "flagged", "recalculation"))
QUALITY_NAMES = Names("staff.quality.", ("actual", "estimated", "corrected"))
STATUS_NAMES = Names("staff.reading_status.", ("accepted", "superseded"))
COLORS = ["#1f6fb2", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1", "#9c755f", "#edc948"]
MONTHS = Names("staff.month_short.", tuple(str(n) for n in range(1, 13)))


def month_label(month: dt.date) -> str:
    return f"{MONTHS[str(month.month)]} {month.year}"


def month_name(month: dt.date) -> str:
    """`листопад 2026`, for sentences; month_label is the short form for axes."""
    return formatting.month(month, language())


def money(value: Decimal | None) -> str:
    return "—" if value is None else formatting.money(value, language())


def number(value, places: int = 0) -> str:
    return "—" if value is None else formatting.number(value, language(), places=places)


def percent(value: Decimal | None) -> str:
    return "—" if value is None else formatting.percent(value, language())


def date(value: dt.date | None) -> str:
    return "" if value is None else formatting.date(value, language())


def moment(value: dt.datetime | None) -> str:
    return "" if value is None else formatting.datetime(value, language())


def window_label(window) -> str:
    """A reading window in a list to choose from: its month, then its first and last day."""
    return f"{month_label(window.period)}: {date(window.first_day)} — {date(window.last_day)}"


def figure(title: str, x_title: str, y_title: str, traces: Sequence[dict], *, height: int = 380, **layout) -> go.Figure:
    """A staff chart of `traces` (bar and scatter dicts), built in one go: every `update_layout`, `update_xaxes` or
    `add_bar` call on a Plotly figure parses and validates its whole keyword path again, which made a chart of three
    series cost 9 ms of each page run, against 1 ms given at once. `layout` adds to the staff look (a dict, such as
    `yaxis`, adds to the default one of that name)."""
    spec: dict = {
        # The title at the very top and the legend right above the plot, with room for it to wrap onto a second
        # line in a half-width column without running into the title.
        "title": {"text": title, "x": 0, "xanchor": "left", "y": 0.98, "yanchor": "top"},
        "separators": ", " if language() == "uk" else ".,",
        "height": height,
        "xaxis": {"title": {"text": x_title}, "type": "category"},
        "yaxis": {"title": {"text": y_title}, "tickformat": ",", "rangemode": "tozero"},
        "colorway": COLORS,
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1},
        "hovermode": "x unified",
    }
    for name, value in layout.items():
        spec[name] = {**spec[name], **value} if isinstance(value, dict) and isinstance(spec.get(name), dict) else value
    spec["margin"] = room_for_labels(traces, spec)
    return go.Figure(data=list(traces), layout=spec)


def show(fig: go.Figure, key: str | None = None) -> None:
    st.plotly_chart(fig, key=key, config={"displaylogo": False})


# Streamlit draws the charts' ticks in Source Sans at 12 px: 4.6-6 px a character (digits 5.2, Cyrillic up to 6).
TICK_CHARACTER_PX = 6.5
# What Plotly adds beside the widest tick label: the tick, the gaps and the axis title (52-53 px measured).
BESIDE_TICKS_PX = 56


def room_for_labels(traces: Sequence[dict], layout: dict) -> dict[str, int]:
    """The margins a full-width chart's labels need, set before Plotly draws it: Plotly measures the labels after
    drawing and, where they overrun the margin, draws the whole chart again (its automargin). That second drawing
    was about 70 ms of a cached staff page in the browser. Automargin still widens a margin this estimate leaves
    too narrow (a narrow column, where the month labels slant), so nothing is ever cut off."""
    horizontal = [t for t in traces if t.get("orientation") == "h"]
    if horizontal:
        widest = max((len(str(label)) for t in horizontal for label in t.get("y") or ()), default=0)
    else:
        y_axis = layout.get("yaxis", {})
        widest = len(f"{_axis_top(traces, layout):,.0f}") + len(y_axis.get("ticksuffix") or "")
    return {"l": round(widest * TICK_CHARACTER_PX) + BESIDE_TICKS_PX, "r": 25, "t": 100, "b": 68}


def _axis_top(traces: Sequence[dict], layout: dict) -> float:
    """The largest value the y axis shows: its fixed range, else the tallest stack or point, with Plotly's 5 %."""
    fixed = layout.get("yaxis", {}).get("range")
    if fixed is not None:
        return float(fixed[1])
    stacks: dict[object, float] = {}
    top = 0.0
    stacked = layout.get("barmode") in ("stack", "relative")
    for trace in traces:
        for x, y in zip(trace.get("x") or (), trace.get("y") or ()):
            value = float(y or 0)
            if stacked and trace.get("type") == "bar":
                stacks[x] = stacks.get(x, 0.0) + max(value, 0.0)
            else:
                top = max(top, value)
    return max([top, *stacks.values()]) * 1.05


def bar(x: Sequence, y: Sequence, name: str, **style) -> dict:
    return {"type": "bar", "x": list(x), "y": list(y), "name": name, **style}


def scatter(x: Sequence, y: Sequence, name: str, **style) -> dict:
    return {"type": "scatter", "x": list(x), "y": list(y), "name": name, **style}


def load_chart_code() -> None:
    """An empty chart nobody sees, on the sign-in page: the browser loads and compiles Streamlit's chart code
    (Plotly, 4.7 MB of JavaScript, fetched on a tab's first chart) while the form is filled in, so the first
    page of charts after sign-in opens about a second sooner on a 2-core machine (bench/browser.py, row g)."""
    with st.container(key="chart_code"):
        st.html("<style>.st-key-chart_code { display: none; }</style>")
        st.plotly_chart(go.Figure(), config={"staticPlot": True, "displayModeBar": False})


def bars(
    title: str,
    x_title: str,
    labels: list[str],
    buckets: list,
    series: dict[str, dict],
    names: Mapping[str, str],
    barmode: str,
    height: int = 380,
) -> go.Figure:
    """Money per bucket (`labels` shown for `buckets`), one bar a series in the order of `names` (those with data)."""
    traces = [
        bar(labels, [float(series[key].get(b, 0)) for b in buckets], name)
        for key, name in names.items()
        if key in series
    ]
    return figure(
        title,
        x_title,
        tr("staff.amount_uah"),
        traces,
        height=height,
        barmode=barmode,
        yaxis={"tickformat": ",.0f"},
    )


def paid_against_due(months, title: str, due_name: str) -> go.Figure:
    """Per month (core.dashboard_payments.MonthBalance) the money received (bars) and the bill due (a line)."""
    labels = [month_label(m.month) for m in months]
    traces = [
        bar(labels, [float(m.paid) for m in months], tr("staff.paid_in")),
        scatter(labels, [float(m.charged) for m in months], due_name, mode="lines+markers"),
    ]
    return figure(title, tr("staff.month"), tr("staff.amount_uah"), traces, yaxis={"tickformat": ",.0f"})


def table_with_csv(
    header: list[str],
    rows,
    shown,
    filters: dict[str, str],
    file_stem: str,
    key: str | None = None,
    what: str | None = None,
) -> None:
    """A table as shown on screen (capped, with a search) and its download: the raw `rows` written by core.export,
    with the filters."""
    capped_table([dict(zip(header, row)) for row in shown], dict, key=f"{file_stem}_table", what=what)
    st.download_button(
        tr("staff.download_csv"),
        csv_bytes(header, rows, filters),
        icon=":material/download:",
        file_name=file_name(file_stem, filters),
        mime="text/csv",
        key=key,
    )


_SCALES = ((Decimal(10) ** 9, "staff.scale.billion"), (Decimal(10) ** 6, "staff.scale.million"))


def money_short(value: Decimal | None) -> str:
    """An amount that fits a metric tile: to a million in full (`633 584,83 ₴`), above in millions or billions
    with two decimals (`663,39 млн ₴`, `120,00 млрд ₴`). A city's total debt has 12 digits and st.metric cuts a
    value that does not fit its column («663 388 902,…»); the page shows the full amount beside it."""
    if value is None:
        return "—"
    (billion, _), (million, _) = _SCALES
    if abs(value) >= billion or abs(half_up(value / million, 2)) >= 1000:  # never "1 000,00 млн"
        return f"{formatting.number(value / billion, language(), places=2)}\u00a0{tr('staff.scale.billion')}\u00a0₴"
    if abs(value) >= million:
        return f"{formatting.number(value / million, language(), places=2)}\u00a0{tr('staff.scale.million')}\u00a0₴"
    return money(value)


def shortened(value: Decimal | None) -> bool:
    """money_short wrote the amount in millions or billions (so the full amount belongs on the next line)."""
    return value is not None and abs(value) >= _SCALES[-1][0]


def delta(current, previous, unit: str = "", places: int = 1) -> str | None:
    """st.metric delta text: the change against the previous period, in the staff language's number format."""
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
    return f"{sign}{formatting.number(abs(change), language(), places=places)}{unit.replace(' ', chr(0xA0))}"


def csv_bytes(header: list[str], rows, filters: dict[str, str] | None = None) -> bytes:
    """Every staff download goes through core.export (text cells neutralised against spreadsheet formulas)."""
    return export.csv_bytes(header, rows, filters, language())


def flag_reason(reason: str | None) -> str:
    """The stored review reason as a sentence: `consumption 25.000 m3 above 10.000 m3` -> «Споживання … — перевірте»."""
    return audit_words.flag_reason(reason, language())


def file_name(stem: str, filters: Mapping[str, str] | None = None) -> str:
    """A staff download's file name: its stem (Latin, words joined by `-`), then each filter applied as `key-value`
    (as the file's first line lists them), all in one safe Latin script (core.file_names):
    `bez-pokazan_period-2026-11_vulytsia-vul-Dovha.csv`."""
    return file_names.file_name(stem, *(f"{key} {value}" for key, value in (filters or {}).items() if value))


# ------------------------------------------------------------------------------------------- long lists

SHOWN_ROWS = 200  # rows a staff table sends to the browser; the full list is always in the CSV beside it


def kept(*keys: str, **first: object) -> None:
    """The choices of the widgets `keys` (and of those in `first`, with their first value) keep their values, called
    before the page's widgets:
    - while another tab is shown: Streamlit forgets the state of a widget that a run does not draw, and a page with
      tabs draws only the chosen one;
    - across a switch of the staff language: Streamlit recognises a chosen option by the text it shows («Опалення»),
      which the switch changes («Heating»), and falls back to the first option. Set again by its value, the choice
      is shown in the new language.
    A widget's first value goes in `first` rather than to the widget: Streamlit warns of a widget given a default
    and a value from the session both. A choice of None («all», a list's first option) is left alone: set again, it
    came back to the browser as no choice at all, and the box showed Streamlit's empty «Choose an option» instead of
    «Усі правила»; forgotten, it comes back as the widget's default, which is that first option."""
    for key in keys:
        if st.session_state.get(key) is not None:
            st.session_state[key] = st.session_state[key]
    for key, value in first.items():
        chosen = st.session_state.get(key, value)
        if chosen is not None:
            st.session_state[key] = chosen


def kept_option(key: str, options: Sequence[T], same: Callable[[T], object]) -> None:
    """`kept` for a selectbox of objects (windows, users, conflicts): the choice is set again as the current option
    that is the same one (`same` tells options apart, such as by id), so it stays through a switch of the staff
    language and the page works on today's object, not on the copy of the run that chose it (a window processed
    since, a user given another role)."""
    if key not in st.session_state:
        return
    try:
        wanted = same(st.session_state[key])
    except (AttributeError, TypeError):  # nothing chosen, or what the browser last showed: Streamlit decides
        return
    for option in options:
        if same(option) == wanted:
            st.session_state[key] = option
            return


def range_choice(
    label: str, options: Sequence[T], default: tuple[T, T], *, key: str, format_func: Callable[[T], str]
) -> tuple[T, T]:
    """A select slider of a range (`default` at first) that keeps its range while its tab is hidden and through a
    switch of the staff language: a range slider keeps its range only through `value` (its state alone comes back
    a single value, and a range written in the other language is not recognised), so the range is kept beside it."""
    kept_as = f"{key}_chosen"

    def keep() -> None:
        st.session_state[kept_as] = st.session_state[key]

    chosen = st.session_state.get(kept_as)
    if not chosen or not set(chosen) <= set(options):
        chosen = default
    first, last = st.select_slider(
        label, options=options, value=chosen, format_func=format_func, key=key, on_change=keep
    )
    return first, last


def tabs(names: Sequence[str], *, key: str) -> Sequence:
    """A page's tabs (`names`: their catalog keys), only the chosen one drawn: a click on a tab reruns the page and
    `.open` says which tab to draw. Streamlit keeps the chosen tab by its label, which a switch of the staff language
    changes (it would open the first tab again): the label the session holds, in whichever language, is carried
    over to the same tab's label in the language shown now."""
    labels = [tr(name) for name in names]
    chosen = st.session_state.get(key)
    if chosen is not None and chosen not in labels:
        for name, label in zip(names, labels):
            if chosen in {t(name, lang) for lang in LANGUAGES}:
                st.session_state[key] = label
                break
    return st.tabs(labels, key=key, on_change="rerun")


def list_search(key: str, total: int) -> str:
    """The search box of a list of more than 20 rows (what it holds; "" for a shorter list)."""
    if total <= 20:
        return ""
    return st.text_input(
        tr("staff.list.search"),
        key=f"{key}_search",
        placeholder=tr("staff.list.search_hint"),
        help=tr("staff.list.search_help"),
    ).strip()


def shown_table(
    shown: Sequence[T], record: Callable[[T], dict], *, matched: int, total: int, searched: bool, what: str | None
) -> None:
    """The first rows of a list as a table, with the count under it: "Показано 200 з 10 930", or with a search
    "Знайдено 12 з 10 930" (`matched` of `total`)."""
    what = what or tr("staff.what.rows")
    if shown:
        st.dataframe([record(i) for i in shown], hide_index=True)
    elif searched:
        st.info(tr("staff.list.nothing_found"))
    if searched:
        st.caption(
            tr("staff.list.found", found=number(matched), total=number(total), what=what)
            + (tr("staff.list.found_first", shown=number(len(shown))) if matched > len(shown) else "")
            + tr("staff.list.full_in_csv")
        )
    elif total > len(shown):
        st.caption(tr("staff.list.shown", shown=number(len(shown)), total=number(total), what=what))


def capped_table(
    items: Sequence[T],
    record: Callable[[T], dict],
    *,
    key: str,
    what: str | None = None,
    limit: int = SHOWN_ROWS,
    search_in: Callable[[T], str] | None = None,
) -> list[T]:
    """A long list as a table of its first `limit` rows, with a search over the rows (all of them, not only those
    shown) and the count: "Показано 200 з 10 930". A city-scale list (tens of thousands of rows) would otherwise
    go to the browser whole on every rerun; the page offers the full list as a CSV download. Returns the rows the
    search kept (for a download of just those, if the page wants one). `what`: the rows' name in the count."""
    haystack = search_in or (lambda item: " ".join(str(v) for v in record(item).values()))
    words = list_search(key, len(items)).casefold().split()
    matched = [i for i in items if all(w in haystack(i).casefold() for w in words)] if words else list(items)
    shown_table(matched[:limit], record, matched=len(matched), total=len(items), searched=bool(words), what=what)
    return matched


def list_csv(
    items: Sequence[T] | Callable[[], Sequence[T]], record: Callable[[T], dict], filters: dict[str, str] | None = None
):
    """The whole list (every row, not only those a capped table shows) as CSV with the table's columns, built only
    when the download is clicked (a deferred download); through core.export like every download. `items` may be a
    function that reads the list then: a list the page does not hold."""
    lang = language()  # read now: the download is built after this script run

    def build() -> bytes:
        with pinned(lang):
            records = map(record, items() if callable(items) else items)  # one row at a time into the file
            first = next(records, None)
            if first is None:
                return csv_bytes([], [], filters)
            return csv_bytes(list(first), (list(r.values()) for r in itertools.chain([first], records)), filters)

    return build


def list_download(
    label: str,
    items: Sequence[T] | Callable[[], Sequence[T]],
    record: Callable[[T], dict],
    filters: dict[str, str] | None,
    *,
    file_name: str,
    key: str | None = None,
) -> None:
    """The download button of a whole list (see list_csv): every staff list offers its CSV the same way."""
    st.download_button(
        label,
        list_csv(items, record, filters),
        on_click="ignore",
        file_name=file_name,
        mime="text/csv",
        icon=":material/download:",
        key=key,
    )


def capped_list(
    items: Sequence[T],
    record: Callable[[T], dict],
    *,
    key: str,
    download: str,
    filters: dict[str, str] | None,
    file_name: str,
    what: str | None = None,
    search_in: Callable[[T], str] | None = None,
) -> list[T]:
    """A capped table (see capped_table) with the whole list's CSV beside it (`download`: the button's label)."""
    matched = capped_table(items, record, key=key, what=what, search_in=search_in)
    list_download(download, items, record, filters, file_name=file_name, key=f"{key}_csv")
    return matched


def captioned_table(caption: str, rows: list[dict]) -> None:
    """A short table under its caption; nothing at all where there are no rows."""
    if rows:
        st.caption(caption)
        st.dataframe(rows, hide_index=True)
