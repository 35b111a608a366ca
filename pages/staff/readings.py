"""Readings per window: by channel, the cumulative curve inside a window, who has not submitted yet."""

import datetime as dt

import streamlit as st

from core import clock
from core.formatting import half_up
from ui import staff_data
from ui import staff_view as view
from ui.plain import md
from ui.staff_access import require_role
from ui.staff_text import tr

require_role("readings")
st.title(tr("staff.readings.title"))

now = clock.now()
windows = [w for w in staff_data.reading_windows() if w.opens_at <= now]  # newest first
if not windows:
    st.info(tr("staff.readings.no_windows"))
    st.stop()
periods = [w.period for w in reversed(windows[:36])]

# What was chosen (in a tab too, while the other is open) is kept, through a switch of the staff language as well.
view.kept("readings_street")
view.kept_option("readings_window", windows, lambda w: w.id)
street = st.selectbox(
    tr("staff.street"),
    [None, *staff_data.streets()],
    format_func=lambda s: s or tr("staff.all_streets"),
    width=360,
    key="readings_street",
)
# Only the chosen tab's part runs (a tab change reruns the page): each tab draws one chart, not the page all three.
by_period, inside = view.tabs(["staff.readings.tab_periods", "staff.readings.tab_inside"], key="readings_tab")


def per_period() -> None:
    """Readings per window and channel; over each bar, the share of metered accounts that submitted."""
    first, last = periods[0], periods[-1]
    if len(periods) > 1:
        first, last = view.range_choice(
            tr("staff.readings.periods"),
            periods,
            (periods[max(0, len(periods) - 12)], last),
            key="readings_periods",
            format_func=view.month_label,
        )
    per_window = staff_data.readings_per_window(first, last, street)
    open_ids = {w.id for w in windows if w.is_open(now)}
    # The open window's month says so on the axis; over each bar its share, upright while a year's bars have room.
    labels = [
        view.month_label(w.period) + (f" ({tr('staff.readings.ongoing')})" if w.window_id in open_ids else "")
        for w in per_window
    ]
    upright = len(per_window) <= 13
    shares = [
        {
            "x": label,
            "y": sum(w.by_channel.values()),
            "text": view.percent(half_up(w.share, 0) if w.share is not None else None),
            "showarrow": False,
            "yanchor": "bottom",
            "yshift": 2,
            **({} if upright else {"textangle": -90, "font": {"size": 10}}),
        }
        for label, w in zip(labels, per_window)
    ]
    fig = view.figure(
        tr("staff.readings.chart_channels"),
        tr("staff.window"),
        tr("staff.readings.count"),
        [
            view.bar(labels, [w.by_channel.get(channel, 0) for w in per_window], name)
            for channel, name in view.READING_CHANNEL_NAMES.items()
        ],
        barmode="stack",
        annotations=shares,
    )
    view.show(fig, key="per_window")
    st.caption(tr("staff.readings.share_above"))
    filters = {
        tr("staff.filter.periods"): f"{first:%Y-%m}..{last:%Y-%m}",
        tr("staff.filter.street"): street or tr("staff.filter.all"),
    }
    st.caption(tr("staff.filters") + "; ".join(f"{k}: {md(v)}" for k, v in filters.items()))


def inside_window() -> None:
    """The cumulative curve of a window day by day against the window before it, and who has not submitted yet."""
    chosen = st.selectbox(
        tr("staff.window"),
        windows,
        key="readings_window",
        format_func=lambda w: view.window_label(w) + (tr("staff.readings.open_suffix") if w.is_open(now) else ""),
    )
    curve = staff_data.submission_curve(chosen.id, street)
    previous = next((w for w in windows if w.period < chosen.period), None)
    before = staff_data.submission_curve(previous.id, street) if previous else None
    span = [chosen.first_day + dt.timedelta(days=i) for i in range((chosen.last_day - chosen.first_day).days + 1)]
    labels_by_day = {day: view.date(day)[:5] for day in span}
    day_labels = [labels_by_day[d.day] for d in curve.days]
    traces = [
        view.bar(
            day_labels,
            [float(d.new_share or 0) for d in curve.days],
            tr("staff.readings.per_day"),
            marker={"color": [view.COLORS[1] if d.last_days else view.COLORS[0] for d in curve.days]},
        ),
        view.scatter(
            day_labels,
            [float(d.share or 0) for d in curve.days],
            tr("staff.readings.cumulative"),
            mode="lines+markers",
            line={"color": view.COLORS[2], "width": 3},
        ),
    ]
    if before is not None and before.days:
        # The previous window aligned by days before the close, where the last-days peak sits.
        shifted = [(chosen.last_day - (before.window.last_day - d.day), d) for d in before.days]
        shifted = [(day, d) for day, d in shifted if day in labels_by_day]
        traces.append(
            view.scatter(
                [labels_by_day[day] for day, _ in shifted],
                [float(d.share or 0) for _, d in shifted],
                tr("staff.readings.cumulative_of", month=view.month_label(before.window.period)),
                mode="lines",
                line={"color": "#9aa5b1", "dash": "dash"},
            )
        )
    fig = view.figure(
        tr("staff.readings.chart_curve", month=view.month_label(chosen.period)),
        tr("staff.readings.day"),
        tr("staff.readings.metered_pct"),
        traces,
        xaxis={"categoryorder": "array", "categoryarray": list(labels_by_day.values())},
        yaxis={"range": [0, 100], "ticksuffix": " %"},
    )
    view.show(fig, key="curve")
    if curve.days:
        last_day = curve.days[-1]
        st.caption(
            tr(
                "staff.readings.curve_caption",
                day=view.date(last_day.day),
                cumulative=view.number(last_day.cumulative),
                metered=view.number(curve.metered),
                share=view.percent(last_day.share),
            )
        )
    else:
        st.info(tr("staff.readings.not_started"))

    if chosen.is_open(now):
        st.subheader(tr("staff.readings.missing"))
        total, missing = staff_data.accounts_without_reading(chosen.id, street, 200)
        st.write(tr("staff.readings.missing_total", total=view.number(total), last=view.date(chosen.last_day)))
        st.dataframe(
            [
                {
                    tr("staff.col.account"): m.account_number,
                    tr("staff.col.address"): m.address,
                    tr("staff.col.meter"): m.meter_serial,
                    tr("staff.col.last_value"): view.number(m.last_value, 3) if m.last_value is not None else "",
                    tr("staff.col.submitted"): view.moment(m.last_submitted_at),
                }
                for m in missing
            ],
            hide_index=True,
        )
        if total > len(missing):
            st.caption(tr("staff.readings.first_shown", shown=len(missing), total=view.number(total)))
        export_filters = {
            tr("staff.filter.period"): f"{chosen.period:%Y-%m}",
            tr("staff.filter.street"): street or tr("staff.filter.all"),
        }
        st.download_button(
            tr("staff.readings.download"),
            staff_data.missing_csv(chosen.id, street, export_filters),
            file_name=view.file_name("bez-pokazan", export_filters),
            mime="text/csv",
            icon=":material/download:",
        )


if by_period.open:
    with by_period:
        per_period()
if inside.open:
    with inside:
        inside_window()
