"""The staff dashboard in English: Ukrainian stays the default, English is chosen in the sidebar for this session
only, every page reads in it, and the explore CSV's filter line is written from the catalog in either language."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from core.staff import create_staff_user
from tests.app.conftest import ROOT
from tests.app.test_exports import cells, downloads  # noqa: F401 - the fixture
from tests.app.test_staff_pages import text, titles
from tests.integration.test_dashboard import build
from ui.staff_access import PAGES
from ui.staff_text import pinned

CYRILLIC = re.compile(r"[А-Яа-яЄєІіЇїҐґ]")
ENGLISH_TITLES = {
    "overview": "Overview",
    "readings": "Hot-water meter readings",
    "payments": "Payment inflows",
    "reconciliation": "Reconciling payments with the bank registries",
    "additional_charges": "Additional charges",
    "explore": "Explore data",
    "lookup": "Account lookup",
    "imports": "File imports",
    "conflicts": "Import conflicts",
    "windows": "Reading submission periods",
    "users": "Users and roles",
}


@pytest.fixture
def admin(app_world) -> int:
    build(app_world)
    return create_staff_user(app_world.sessions, "admin1", "staff-pass-2026", "admin").id


def dashboard(user_id: int) -> AppTest:
    at = AppTest.from_file(str(ROOT / "staff_dashboard.py"), default_timeout=30)
    at.session_state["staff_user_id"] = user_id
    return at.run()


def switch(at: AppTest, lang: str) -> AppTest:
    [control] = [c for c in at.sidebar.button_group if c.key == "staff_lang_switch"]
    control.set_value(lang)
    return at.run()


def test_ukrainian_by_default_and_english_on_request(admin):
    at = dashboard(admin)
    assert titles(at) == ["Огляд"]
    assert "Адміністратор" in [c.value.split(" · ")[-1] for c in at.sidebar.caption]
    switch(at, "en")
    assert titles(at) == ["Overview"] and not at.exception
    assert "Administrator" in [c.value.split(" · ")[-1] for c in at.sidebar.caption]
    assert [b.label for b in at.sidebar.button] == ["Sign out"]
    assert {m.label for m in at.metric} >= {"Readings submitted", "Total debt", "Accounts in the cabinet"}
    assert not CYRILLIC.search(text(at)), text(at)
    switch(at, "uk")
    assert titles(at) == ["Огляд"]


def test_two_sessions_in_different_languages_each_see_their_own(admin):
    ukrainian, english = dashboard(admin), switch(dashboard(admin), "en")
    ukrainian.run()
    english.run()
    assert (titles(ukrainian), titles(english)) == (["Огляд"], ["Overview"])
    assert "Загальний борг" in {m.label for m in ukrainian.metric}
    assert "Total debt" in {m.label for m in english.metric}


def test_every_staff_page_reads_in_english(admin):
    for page in PAGES:
        # A fresh tab per page: AppTest formats a kept selectbox choice outside the script run (in the default
        # language), which a browser never does.
        at = AppTest.from_file(str(ROOT / "staff_dashboard.py"), default_timeout=30)
        at.session_state["staff_user_id"] = admin
        at.session_state["staff_lang"] = "en"
        at.run()
        at.switch_page(page.path).run()
        assert not at.exception, (page.key, at.exception)
        assert titles(at) == [ENGLISH_TITLES[page.key]]
        # Data (street names, addresses) stays as stored; every sentence, label and heading is English.
        shown = "\n".join(
            [
                *titles(at),
                *(e.value for e in at.subheader),
                *(m.label for m in at.metric),
                *(b.label for b in at.button),
                *(s.label for s in at.selectbox),
            ]
        )
        assert not CYRILLIC.search(shown), (page.key, shown)


def explore_download(analyst: int, lang: str, downloads, service: str | None = None) -> bytes:
    at = AppTest.from_file(str(ROOT / "pages" / "staff" / "explore.py"), default_timeout=30)
    at.session_state["staff_user_id"] = analyst
    at.session_state["staff_lang"] = lang
    at.run()
    if service:  # (only in Ukrainian: AppTest formats the choice outside the script run, in the default language)
        at.selectbox[0].set_value(service).run()
    assert not at.exception
    return downloads[-1][1]


def test_the_explore_csv_filter_line_comes_from_the_catalog(app_world, downloads):
    build(app_world)
    analyst = create_staff_user(app_world.sessions, "analyst1", "staff-pass-2026", "analyst").id
    ukrainian = explore_download(analyst, "uk", downloads, service="heating")
    assert re.fullmatch(
        r"# Фільтри: з місяця=\d{4}-\d\d, до місяця=\d{4}-\d\d, послуга=Опалення, "
        r"набір=Нарахування, групування=Місяць",
        ukrainian.decode("utf-8-sig").split("\r\n")[0],
    )
    assert cells(ukrainian)[0][0] == "Місяць"
    english = explore_download(analyst, "en", downloads)
    assert re.fullmatch(
        r"# Filters: from month=\d{4}-\d\d, to month=\d{4}-\d\d, dataset=Charges, grouped by=Month",
        english.decode("utf-8-sig").split("\r\n")[0],
    )
    assert english.decode("utf-8-sig").split("\r\n")[1].split(";")[0] == "Month"


def test_the_explore_rows_download_writes_yes_and_no_in_the_staff_language(app_world, downloads):
    build(app_world)
    analyst = create_staff_user(app_world.sessions, "analyst1", "staff-pass-2026", "analyst").id
    files = {}
    for lang in ("uk", "en"):
        at = AppTest.from_file(str(ROOT / "pages" / "staff" / "explore.py"), default_timeout=30)
        at.session_state["staff_user_id"] = analyst
        at.session_state["staff_lang"] = lang
        at.run()
        with pinned(lang):  # AppTest formats the choices outside the script run: here in the page's language
            at.segmented_control[0].set_value("accounts").run()
            at.multiselect[0].set_value([]).run()  # no grouping: the accounts row by row
        assert not at.exception
        comment, header, *rows = downloads[-1][1].decode("utf-8-sig").splitlines()
        assert comment.startswith("#")  # the filter line, in either language
        files[lang] = header.split(";")[-2:], {row.split(";")[-1] for row in rows}
    assert files["uk"] == (["Опалення", "Гаряча вода"], {"так", "ні"})
    assert files["en"] == (["Heating", "Hot water"], {"yes", "no"})
