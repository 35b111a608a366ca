"""A switch of the staff language in the middle of work changes the words, nothing else: the tab open on a page,
the filters and choices made, the look-up's query and the account it shows stay as they were.

The switch is the sidebar's selector (staff_dashboard.py), pressed while a page is open. The tests find a field by
its label in the language shown, as a person does. After the switch, AppTest would format a kept choice outside the
script run in the default language (a browser never does): further runs in English go inside `pinned("en")`."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from streamlit.testing.v1 import AppTest

from core.i18n import t
from tests.app.conftest import open_tab
from tests.app.test_staff_language import switch
from tests.app.test_staff_pages import signed_in, staff, titles  # noqa: F401 - the fixture
from tests.integration.test_dashboard import B
from ui.staff_access import PAGES
from ui.staff_text import pinned

WIDGETS = ("selectbox", "multiselect", "text_input", "number_input", "date_input", "checkbox", "button_group")


def field(at: AppTest, kind: str, label: str, lang: str = "uk"):
    """The page's one field of `kind` labelled with the catalog's text `label` in `lang`."""
    [found] = [w for w in getattr(at.main, kind) if w.label == t(label, lang)]
    return found


def chart_titles(at: AppTest) -> list[str]:
    return [json.loads(chart.proto.spec)["layout"]["title"]["text"] for chart in at.get("plotly_chart")]


def test_the_readings_page_keeps_its_tab_window_and_street(staff):
    _town, users = staff
    at = signed_in(users["manager"], "pages/staff/readings.py")
    field(at, "selectbox", "staff.street").select("просп. Волі").run()
    open_tab(at, "readings_tab", "Усередині періоду")
    field(at, "selectbox", "staff.window").select_index(1).run()
    assert field(at, "selectbox", "staff.window").value.period == dt.date(2026, 10, 1)
    switch(at, "en")
    assert not at.exception and titles(at) == ["Hot-water meter readings"]
    # Still inside October's window (its curve, not the chart of all periods), for the same street.
    assert chart_titles(at) == ["Share of accounts that submitted a reading, day by day · Oct 2026"]
    assert field(at, "selectbox", "staff.window", "en").value.period == dt.date(2026, 10, 1)
    assert field(at, "selectbox", "staff.street", "en").value == "просп. Волі"


def test_the_payments_page_keeps_its_tab_and_filters(staff):
    _town, users = staff
    at = signed_in(users["manager"], "pages/staff/payments.py")
    period = (dt.date(2026, 10, 1), dt.date(2026, 11, 27))
    field(at, "date_input", "staff.period").set_value(period).run()
    field(at, "button_group", "staff.payments.group").set_value("week").run()
    field(at, "selectbox", "staff.service").select("heating").run()
    open_tab(at, "payments_tab", "За послугами")
    assert chart_titles(at) == ["Надходження за тижнями, за послугами"]
    switch(at, "en")
    assert not at.exception
    assert chart_titles(at) == ["Inflows by week, by service"]
    assert field(at, "date_input", "staff.period", "en").value == period
    assert field(at, "selectbox", "staff.service", "en").value == "heating"


def test_the_additional_charges_page_keeps_its_tab(staff):
    _town, users = staff
    at = signed_in(users["manager"], "pages/staff/additional_charges.py")
    open_tab(at, "additional_tab", "Обробка періоду")
    assert at.checkbox  # the processing form's confirmation
    switch(at, "en")
    assert not at.exception
    assert [c.label for c in at.checkbox] == ["I have checked the list"]


def test_the_look_up_keeps_its_query_account_and_tab(staff):
    _town, users = staff
    at = signed_in(users["operator"], "pages/staff/lookup.py")
    field(at, "text_input", "staff.lookup.query").input("Волі 1")
    at.button[0].click().run()
    at.selectbox[0].select_index(1).run()
    open_tab(at, "lookup_tab", "Кабінет")
    assert [s.value for s in at.subheader] == ["1120200001002 · просп. Волі, 1, кв. 3"]
    switch(at, "en")
    assert not at.exception
    assert field(at, "text_input", "staff.lookup.query", "en").value == "Волі 1"
    assert [s.value for s in at.subheader] == ["1120200001002 · просп. Волі, 1, кв. 3"]
    assert [m.value for m in at.markdown if "cabinet" in m.value] == [
        "The account has not been added to the consumer cabinet yet."
    ]


def test_the_look_up_keeps_the_account_it_found_by_a_meter(staff):
    """An account found by its meter is named with the meter's number in words of the language («лічильник …»)."""
    _town, users = staff
    at = signed_in(users["operator"], "pages/staff/lookup.py")
    field(at, "text_input", "staff.lookup.query").input("0800001")
    at.button[0].click().run()
    switch(at, "en")
    assert at.selectbox[0].options == [f"{B} · просп. Волі, 1, кв. 2 · meter 0800001"]
    assert [s.value for s in at.subheader] == [f"{B} · просп. Волі, 1, кв. 2"] and not at.exception


def test_the_explore_page_keeps_every_choice(staff):
    _town, users = staff
    at = signed_in(users["analyst"], "pages/staff/explore.py")
    field(at, "button_group", "staff.explore.dataset").set_value("payments").run()
    field(at, "multiselect", "staff.explore.group_by").set_value(["service"]).run()
    field(at, "selectbox", "staff.explore.measure").select("count").run()
    field(at, "selectbox", "staff.channel").select("cabinet").run()
    field(at, "button_group", "staff.explore.chart").set_value("line").run()
    months = (dt.date(2026, 6, 1), dt.date(2026, 11, 1))
    [slider] = at.select_slider
    slider.set_range(*months).run()
    chosen = {
        "staff.explore.dataset": "payments",
        "staff.explore.group_by": ["service"],
        "staff.explore.measure": "count",
        "staff.channel": "cabinet",
        "staff.explore.chart": "line",
        "staff.explore.months": months,
    }
    kinds = ("button_group", "multiselect", "selectbox", "selectbox", "button_group", "select_slider")

    def choices(lang: str) -> dict:
        return {label: field(at, kind, label, lang).value for label, kind in zip(chosen, kinds)}

    assert choices("uk") == chosen
    switch(at, "en")
    assert not at.exception and titles(at) == ["Explore data"]
    assert choices("en") == chosen
    assert chart_titles(at) == ["Payments: Number of payments"]


def test_the_windows_and_users_pages_keep_the_one_chosen(staff):
    _town, users = staff
    at = signed_in(users["admin"], "pages/staff/windows.py")
    field(at, "selectbox", "staff.period").select_index(1).run()
    switch(at, "en")
    assert field(at, "selectbox", "staff.period", "en").value.period == dt.date(2026, 10, 1) and not at.exception
    at = signed_in(users["admin"], "pages/staff/users.py")
    field(at, "selectbox", "staff.users.user").select_index(2).run()
    chosen = field(at, "selectbox", "staff.users.user").value.username
    switch(at, "en")
    assert field(at, "selectbox", "staff.users.user", "en").value.username == chosen and not at.exception


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.key)
def test_no_field_of_a_staff_page_starts_over_after_a_switch(staff, page):
    """Streamlit knows a field without a key by its label (among its other arguments): the switch renames it, and
    it starts over empty, as a new field. Every field of every staff page keeps its identity through the switch."""
    _town, users = staff
    at = signed_in(users["admin"], page.path)

    def fields() -> set[tuple[str, str]]:
        return {(kind, widget.id) for kind in WIDGETS for widget in getattr(at.main, kind)}

    before = fields()
    switch(at, "en")
    with pinned("en"):
        assert fields() == before and not at.exception
