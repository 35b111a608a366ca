"""Explore: a dataset, filters, group-by and measure from a whitelist, a chart, a table and a CSV download."""

import datetime as dt
from decimal import Decimal

import streamlit as st

from core import clock, explore_export
from core.clock import add_months, month_start
from core.errors import DomainError
from core.explore import DATASETS, MAX_GROUPS, PAGE_SIZE, Filters
from ui import staff_data
from ui import staff_view as view
from ui.plain import chart_text
from ui.staff_access import require_role
from ui.staff_text import Names, language, tr

require_role("explore")
st.title(tr("staff.page.explore"))

NAMES = Names("staff.explore.dataset.", tuple(DATASETS))
CHART_NAMES = Names("staff.explore.chart.", ("bar", "line", "none"))
# Every choice keeps its value through a switch of the staff language; the channel, group-by and measure are kept per
# dataset (each dataset has its own).
view.kept("explore_service", "explore_street")
dataset = (
    st.segmented_control(
        tr("staff.explore.dataset"),
        list(DATASETS),
        default="charges",
        format_func=lambda code: NAMES[code],
        key="explore_dataset",
    )
    or "charges"
)
spec = DATASETS[dataset]
view.kept(
    f"explore_channel_{dataset}",
    f"explore_measure_{dataset}",
    **{f"explore_group_by_{dataset}": [next(iter(spec.dimensions))]},
)


def label(kind: str, key: str) -> str:
    """A dimension's, measure's or column's name in the staff language (core.explore keeps only the whitelist)."""
    return tr(f"staff.explore.{dataset}.{kind}.{key}")


with st.container(horizontal=True):
    this_month = month_start(clock.today())
    months = [add_months(this_month, -i) for i in range(96, -1, -1)]
    first = last = None
    if spec.dated:
        first, last = view.range_choice(
            tr("staff.explore.months"),
            months,
            (months[-13], months[-1]),
            key="explore_months",
            format_func=view.month_label,
        )
    service = (
        st.selectbox(
            tr("staff.service"),
            [None, "heating", "hot_water"],
            format_func=lambda s: view.SERVICE_NAMES.get(s, tr("staff.explore.all")),
            key="explore_service",
        )
        if spec.services
        else None
    )
    names = view.PAYMENT_CHANNEL_NAMES if dataset == "payments" else view.READING_CHANNEL_NAMES
    channel = (
        st.selectbox(
            tr("staff.channel"),
            [None, *spec.channels],
            format_func=lambda c: names.get(c, tr("staff.explore.all")),
            key=f"explore_channel_{dataset}",
        )
        if spec.channels
        else None
    )
    street = st.selectbox(
        tr("staff.street"),
        [None, *staff_data.streets()],
        format_func=lambda s: s or tr("staff.explore.all"),
        key="explore_street",
    )
filters = Filters(first, last, service, channel, street)

with st.container(horizontal=True):
    group_by = st.multiselect(
        tr("staff.explore.group_by"),
        list(spec.dimensions),
        format_func=lambda d: label("dimensions", d),
        max_selections=2,
        key=f"explore_group_by_{dataset}",
    )
    measure = st.selectbox(
        tr("staff.explore.measure"),
        list(spec.measures),
        format_func=lambda m: label("measures", m),
        key=f"explore_measure_{dataset}",
    )
    chart = st.segmented_control(
        tr("staff.explore.chart"),
        ["bar", "line", "none"],
        default="bar",
        format_func=lambda code: CHART_NAMES[code],
        key="explore_chart_kind",
    )

page = 0
if not group_by:
    page = st.number_input(tr("staff.explore.page"), min_value=1, value=1, step=1, key="explore_page") - 1
try:
    result = staff_data.explore_run(dataset, filters, tuple(group_by), measure if group_by else None, page)
except DomainError as error:
    st.error(error.message(language()))
    st.stop()

kinds = ("dimensions", "measures") if result.grouped else ("columns",)
labels = {key: label(kind, key) for kind in kinds for key in getattr(spec, kind)}


def shown(value, key=""):
    """A cell the staff language's way: months by name, dates dd.mm.yyyy, decimal comma (Ukrainian), thousands."""
    if isinstance(value, bool):
        return tr("staff.yes") if value else tr("staff.no")
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return view.moment(value)
    if isinstance(value, dt.date):
        return view.month_label(value) if key in ("month", "period") else view.date(value)
    if isinstance(value, Decimal):
        volume = key in ("volume", "consumption", "value") or (key == "average" and dataset == "readings")
        return view.number(value, 3 if volume else 2)
    if isinstance(value, int) and key not in ("residents", "discount"):
        return view.number(value)
    return value


if result.grouped:
    st.caption(
        tr("staff.explore.groups", total=view.number(result.total))
        + (tr("staff.explore.capped", cap=MAX_GROUPS) if result.capped else "")
    )
    if chart in ("bar", "line") and result.rows:
        x_values = [chart_text(shown(r[0], group_by[0])) for r in result.rows]
        series: dict[str, tuple[list[str], list[float]]] = {}
        for row, x in zip(result.rows, x_values):
            name = chart_text(shown(row[1], group_by[1])) if len(group_by) > 1 else labels[measure]
            series.setdefault(name, ([], []))
            series[name][0].append(x)
            series[name][1].append(float(row[-1] or 0))
        traces = [
            view.bar(xs, ys, name) if chart == "bar" else view.scatter(xs, ys, name, mode="lines+markers")
            for name, (xs, ys) in series.items()
        ]
        fig = view.figure(
            f"{NAMES[dataset]}: {labels[measure]}",
            labels[group_by[0]],
            labels[measure],
            traces,
            barmode="stack",
            showlegend=len(group_by) > 1,
        )
        view.show(fig, key="explore_chart")
else:
    pages = max(1, -(-result.total // PAGE_SIZE))
    st.caption(
        tr(
            "staff.explore.rows",
            total=view.number(result.total),
            page=page + 1,
            pages=view.number(pages),
            size=PAGE_SIZE,
        )
    )

header = [labels[c] for c in result.columns]
st.dataframe([{h: shown(v, c) for h, v, c in zip(header, row, result.columns)} for row in result.rows], hide_index=True)
FILTER_VALUES = {"service": view.SERVICE_NAMES, "channel": names}
described = {
    tr(f"staff.explore.filter.{key}"): FILTER_VALUES[key].get(value, value) if key in FILTER_VALUES else value
    for key, value in result.filters.items()
}
described |= {
    tr("staff.explore.filter.dataset"): NAMES[dataset],
    tr("staff.explore.filter.group_by"): ",".join(labels[g] for g in group_by) or "—",
}
st.download_button(
    tr("staff.explore.download"),
    staff_data.explore_csv(dataset, filters, tuple(group_by), measure if group_by else None, header, described),
    on_click="ignore",
    file_name=view.file_name(dataset, result.filters),
    mime="text/csv",
    icon=":material/download:",
)
st.caption(tr("staff.explore.download_help", cap=view.number(explore_export.EXPORT_ROWS)))
