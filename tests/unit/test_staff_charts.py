"""The staff charts: built in one go (ui.staff_view.figure), they are the charts Plotly builds call by call, with
margins wide enough for their labels before Plotly draws them."""

import plotly.graph_objects as go

from ui import staff_view as view

MONTHS = ["січ 2026", "лют 2026", "бер 2026"]


def step_by_step(title: str, x_title: str, y_title: str, height: int = 380) -> go.Figure:
    """The staff look set the way Plotly's own API sets it, one update at a time."""
    fig = go.Figure()
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "y": 0.98, "yanchor": "top"},
        separators=", ",
        height=height,
        xaxis_title=x_title,
        yaxis_title=y_title,
        colorway=view.COLORS,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1},
        hovermode="x unified",
    )
    fig.update_xaxes(type="category")
    fig.update_yaxes(tickformat=",", rangemode="tozero")
    return fig


def test_a_chart_built_at_once_is_the_chart_plotly_builds_step_by_step():
    built = view.figure(
        "Показання",
        "Період",
        "Частка, %",
        [
            view.bar(MONTHS, [10, 20, 30], "Кабінет", marker={"color": ["#111111", "#222222", "#333333"]}),
            view.scatter(MONTHS, [40.5, 50, 60], "Усього", mode="lines+markers", line={"width": 3}),
        ],
        height=300,
        barmode="stack",
        yaxis={"range": [0, 100], "ticksuffix": " %"},
        legend={"traceorder": "normal"},
        annotations=[{"x": MONTHS[-1], "y": 60, "text": "триває", "showarrow": False, "yshift": 12}],
    )

    expected = step_by_step("Показання", "Період", "Частка, %", height=300)
    expected.add_bar(x=MONTHS, y=[10, 20, 30], name="Кабінет", marker_color=["#111111", "#222222", "#333333"])
    expected.add_scatter(x=MONTHS, y=[40.5, 50, 60], name="Усього", mode="lines+markers", line={"width": 3})
    expected.update_layout(barmode="stack", legend={"traceorder": "normal"})
    expected.update_yaxes(range=[0, 100], ticksuffix=" %")
    expected.add_annotation(x=MONTHS[-1], y=60, text="триває", showarrow=False, yshift=12)
    expected.update_layout(margin=view.room_for_labels(built.to_dict()["data"], built.to_dict()["layout"]))

    assert built.to_dict() == expected.to_dict()
    # An override adds to the staff look: the axis keeps its title and format beside the range it was given.
    assert built.layout.yaxis.title.text == "Частка, %" and built.layout.yaxis.tickformat == ","
    assert built.layout.legend.orientation == "h" and built.layout.legend.traceorder == "normal"


def test_the_left_margin_fits_the_widest_label_the_axis_will_show():
    def left(traces, **layout) -> int:
        return view.figure("", "", "", traces, **layout).layout.margin.l

    small = [view.bar(MONTHS, [100, 200, 300], "a"), view.bar(MONTHS, [100, 200, 300], "b")]
    large = [view.bar(MONTHS, [600_000, 1, 1], "a"), view.bar(MONTHS, [500_000, 1, 1], "b")]
    # Stacked bars are as tall as their sum (with Plotly's 5 %): 1,155,000 where either series alone is 630,000.
    assert left(large, barmode="stack") > left(large, barmode="group") > left(small, barmode="stack")
    assert left(large, barmode="stack") == round(len("1,155,000") * view.TICK_CHARACTER_PX) + view.BESIDE_TICKS_PX
    # A fixed range with a suffix: «100 %».
    assert left(small, yaxis={"range": [0, 100], "ticksuffix": " %"}) == (
        round(len("100 %") * view.TICK_CHARACTER_PX) + view.BESIDE_TICKS_PX
    )
    # Horizontal bars: the longest category on the y axis.
    streets = ["ЛЬВІВСЬКА", "ГРУШЕВСЬКОГО МИХАЙЛА"]
    across = [view.bar([5, 7], streets, "a", orientation="h")]
    assert left(across) == round(len("ГРУШЕВСЬКОГО МИХАЙЛА") * view.TICK_CHARACTER_PX) + view.BESIDE_TICKS_PX
