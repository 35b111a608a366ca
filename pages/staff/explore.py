"""Explore: a dataset, filters, group-by and measure from a whitelist, a chart, a table and a CSV download."""

import datetime as dt
from decimal import Decimal

import streamlit as st

from core import clock
from core.clock import add_months, month_start
from core.errors import DomainError
from core.explore import DATASETS, MAX_GROUPS, PAGE_SIZE, Filters
from ui import staff_data, staff_view as view
from ui.plain import chart_text
from ui.staff_access import require_role

require_role("explore")
st.title("Дослідження даних")

NAMES = {"charges": "Нарахування", "payments": "Оплати", "readings": "Показання", "accounts": "Рахунки"}
dataset = st.segmented_control("Набір даних", list(DATASETS), default="charges", format_func=lambda d: NAMES.get(d, d)) or "charges"
spec = DATASETS[dataset]

with st.container(horizontal=True):
    this_month = month_start(clock.today())
    months = [add_months(this_month, -i) for i in range(96, -1, -1)]
    first = last = None
    if spec.dated:
        first, last = st.select_slider("Місяці", options=months, value=(months[-13], months[-1]),
                                       format_func=view.month_label)
    service = st.selectbox("Послуга", [None, "heating", "hot_water"],
                           format_func=lambda s: view.SERVICE_NAMES.get(s, "Усі")) if spec.services else None
    names = view.PAYMENT_CHANNEL_NAMES if dataset == "payments" else view.READING_CHANNEL_NAMES
    channel = st.selectbox("Канал", [None, *spec.channels],
                           format_func=lambda c: names.get(c, "Усі")) if spec.channels else None
    street = st.selectbox("Вулиця", [None, *staff_data.streets()], format_func=lambda s: s or "Усі")
filters = Filters(first, last, service, channel, street)

with st.container(horizontal=True):
    group_by = st.multiselect("Групувати за", list(spec.dimensions), default=[next(iter(spec.dimensions))],
                              format_func=lambda d: spec.dimensions[d][0], max_selections=2)
    measure = st.selectbox("Показник", list(spec.measures), format_func=lambda m: spec.measures[m][0])
    chart = st.segmented_control("Графік", ["bar", "line", "none"], default="bar",
                                 format_func=lambda c: {"bar": "Стовпчики", "line": "Лінія", "none": "Без графіка"}[c])

page = 0
if not group_by:
    page = st.number_input("Сторінка", min_value=1, value=1, step=1) - 1
try:
    result = staff_data.explore_run(dataset, filters, tuple(group_by), measure if group_by else None, page)
except DomainError as error:
    st.error(error.message("uk"))
    st.stop()

named = {**spec.dimensions, **spec.measures} if result.grouped else spec.columns
labels = {key: pair[0] for key, pair in named.items()}


def shown(value, key=""):
    """A cell the Ukrainian way: months by name, dates dd.mm.yyyy, decimal comma, thousands by spaces."""
    if isinstance(value, bool):
        return "так" if value else "ні"
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
    st.caption(f"Груп: {view.number(result.total)}" + (f" (показано перші {MAX_GROUPS})" if result.capped else ""))
    if chart in ("bar", "line") and result.rows:
        x_values = [chart_text(shown(r[0], group_by[0])) for r in result.rows]
        fig = view.figure(f"{NAMES[dataset]}: {labels[measure]}", labels[group_by[0]], labels[measure])
        series: dict[str, tuple[list[str], list[float]]] = {}
        for row, x in zip(result.rows, x_values):
            name = chart_text(shown(row[1], group_by[1])) if len(group_by) > 1 else labels[measure]
            series.setdefault(name, ([], []))
            series[name][0].append(x)
            series[name][1].append(float(row[-1] or 0))
        for name, (xs, ys) in series.items():
            if chart == "bar":
                fig.add_bar(x=xs, y=ys, name=name)
            else:
                fig.add_scatter(x=xs, y=ys, name=name, mode="lines+markers")
        fig.update_layout(barmode="stack", showlegend=len(group_by) > 1)
        view.show(fig, key="explore_chart")
else:
    pages = max(1, -(-result.total // PAGE_SIZE))
    st.caption(f"Рядків: {view.number(result.total)} · сторінка {page + 1} з {view.number(pages)} "
               f"(по {PAGE_SIZE}). Для підсумків виберіть групування.")

header = [labels[c] for c in result.columns]
st.dataframe([{h: shown(v, c) for h, v, c in zip(header, row, result.columns)} for row in result.rows],
             hide_index=True)
st.download_button("Завантажити таблицю (CSV)", view.csv_bytes(header, result.rows, result.filters | {
    "набір": dataset, "групування": ",".join(group_by) or "—"}),
    file_name=f"{dataset}{view.file_suffix(result.filters)}.csv", mime="text/csv", icon=":material/download:")
