"""A city-scale list on a staff page: the browser gets at most 200 rows, with a search over all of them and the
count shown; the download holds every row."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
import streamlit
from sqlalchemy import select

from core import additional_charges
from db.models import Account, Meter, ReadingWindow
from tests.app.conftest import open_tab
from tests.app.test_staff_pages import signed_in, staff, text  # noqa: F401 - the staff fixture
from tests.conftest import kyiv

MANY = 230


@pytest.fixture(params=["estimated", "processed"])
def crowded(request, staff, app_sessions):
    """Besides the town, 230 metered accounts on вул. Довга that sent no reading in October 2026 (closed): the
    window's live estimate, which the page holds, or its stored lines after processing, which it reads from SQL."""
    return crowd(staff, app_sessions, processed=request.param == "processed")


@pytest.fixture
def processed_crowd(staff, app_sessions):
    return crowd(staff, app_sessions, processed=True)


@pytest.fixture(params=["estimated", "processed"])
def two_streets(request, staff, app_sessions):
    """The crowd on вул. Довга, and 12 more accounts without a reading on вул. Коротка."""
    return crowd(staff, app_sessions, processed=request.param == "processed", others=12)


def crowd(staff, app_sessions, *, processed: bool, others: int = 0):
    _town, users = staff
    with app_sessions.begin() as s:
        for n in range(MANY + others):
            street = "вул. Довга" if n < MANY else "вул. Коротка"
            account = Account(
                number=f"11203000{n:05d}",
                street=street,
                building="7",
                flat=str(n + 1),
                address=f"{street}, 7, кв. {n + 1}",
                heated_area=Decimal("50.00"),
                residents=1 + n % 3,
                has_heating=True,
                has_hot_water=True,
                created_at=kyiv(2019, 1, 1),
            )
            s.add(account)
            s.flush()
            s.add(
                Meter(
                    account_id=account.id,
                    serial=f"77{n:05d}",
                    service="hot_water",
                    unit="m3",
                    initial_value=Decimal("10.000"),
                    installed_on=kyiv(2018, 1, 1).date(),
                )
            )
    if processed:
        with app_sessions() as s:
            october = s.scalar(select(ReadingWindow.id).where(ReadingWindow.period == dt.date(2026, 10, 1)))
        assert additional_charges.process_window(app_sessions, october, actor="manager") == MANY + others
    return users


@pytest.fixture
def downloads(monkeypatch):
    """What each download button on the page would give: label -> bytes (a deferred builder is called)."""
    found: dict[str, bytes] = {}
    original = streamlit.download_button

    def spy(label, data, *args, **kwargs):
        found[label] = data() if callable(data) else data
        return original(label, data, *args, **kwargs)

    monkeypatch.setattr(streamlit, "download_button", spy)
    return found


@pytest.fixture
def named_downloads(monkeypatch):
    """Each download button on the page: label -> (file name, the builder of its bytes, called by the test)."""
    found: dict[str, tuple[str, object]] = {}
    original = streamlit.download_button

    def spy(label, data, *args, **kwargs):
        found[label] = (kwargs["file_name"], data if callable(data) else lambda: data)
        return original(label, data, *args, **kwargs)

    monkeypatch.setattr(streamlit, "download_button", spy)
    return found


def rows_of(data: bytes) -> list[list[str]]:
    lines = [line for line in data.decode("utf-8-sig").splitlines() if not line.startswith("# ")]
    return list(csv.reader(io.StringIO("\n".join(lines)), delimiter=";"))


def test_additional_charges_show_200_of_all_with_the_count_and_the_whole_list_downloads(crowded, downloads):
    at = signed_in(crowded["operator"], "pages/staff/additional_charges.py")
    assert {m.label: m.value for m in at.metric}["Рахунків без показань"] == "230"
    [table] = [df.value for df in at.dataframe]  # the only list with rows: no recalculations, nothing flagged
    assert len(table) == 200
    assert "Показано 200 з 230 рахунків." in text(at)
    [full] = [data for label, data in downloads.items() if label.startswith("Завантажити весь список")]
    header, *rows = rows_of(full)
    assert header[:3] == ["Рахунок", "Адреса", "Лічильник"]
    assert sorted(r[0] for r in rows) == [f"11203000{n:05d}" for n in range(MANY)]  # every account, once
    open_tab(at, "additional_tab", "Обробка періоду")  # where the billing file is
    billing = rows_of(downloads["Завантажити для білінгу (CSV)"])
    assert len(billing) == 1 + MANY


def test_the_search_looks_through_every_row_not_only_those_shown(crowded, downloads):
    at = signed_in(crowded["operator"], "pages/staff/additional_charges.py")
    last = f"11203000{MANY - 1:05d}"
    assert last not in at.dataframe[0].value["Рахунок"].tolist()  # beyond the first 200
    at.text_input(key="lines_search").input(last).run()
    assert at.dataframe[0].value["Рахунок"].tolist() == [last]
    assert "Знайдено 1 з 230 рахунків. Повний список — у файлі CSV." in text(at)
    at.text_input(key="lines_search").input("230 довга").run()  # words in any order, any case
    assert at.dataframe[0].value["Адреса"].tolist() == ["вул. Довга, 7, кв. 230"]
    at.text_input(key="lines_search").input("немає такого").run()
    assert not at.dataframe and "Нічого не знайдено" in text(at)


def test_a_filter_by_rule_and_street_narrows_the_table(crowded):
    at = signed_in(crowded["operator"], "pages/staff/additional_charges.py")
    at.selectbox(key="lines_street").set_value("вул. Довга").run()
    assert len(at.dataframe[0].value) == 200 and "Показано 200 з 230 рахунків." in text(at)
    at.selectbox(key="lines_rule").set_value("average").run()
    assert not at.dataframe  # nobody on вул. Довга has a reading history: all are by the norm


def test_the_list_filters_are_kept_while_another_tab_is_open(crowded):
    at = signed_in(crowded["operator"], "pages/staff/additional_charges.py")
    at.selectbox(key="lines_street").set_value("вул. Довга").run()
    at.text_input(key="lines_search").input("кв. 230").run()
    open_tab(at, "additional_tab", "Обробка періоду")
    open_tab(at, "additional_tab", "Без показань")
    assert at.selectbox(key="lines_street").value == "вул. Довга"
    assert at.dataframe[0].value["Адреса"].tolist() == ["вул. Довга, 7, кв. 230"]


def shows_a_choice(box) -> bool:
    """Whether the browser's select box shows an option: a value the run sends it is one of the options (a run
    that sent it an empty value made it show Streamlit's «Choose an option», in English)."""
    return not box.proto.set_value or box.proto.HasField("raw_value")


def test_a_filter_left_at_all_still_says_so_when_another_is_chosen(processed_crowd):
    at = signed_in(processed_crowd["manager"], "pages/staff/additional_charges.py")
    at.selectbox(key="lines_street").set_value("вул. Довга").run()
    assert at.selectbox(key="lines_rule").value is None and shows_a_choice(at.selectbox(key="lines_rule"))
    at.selectbox(key="lines_rule").set_value("norm").run()
    at.selectbox(key="lines_street").set_value(None).run()
    assert shows_a_choice(at.selectbox(key="lines_street")) and shows_a_choice(at.selectbox(key="lines_rule"))
    assert at.selectbox(key="lines_rule").value == "norm"


def test_a_chosen_street_downloads_every_line_it_holds_beside_the_whole_list(two_streets, named_downloads):
    """A manager who chose one street gets that street's lines as a file (all of them, not the 200 shown), named
    and headed by the choice; the whole list stays a download of its own, named so the two are not confused."""
    at = signed_in(two_streets["manager"], "pages/staff/additional_charges.py")
    whole_label = "Завантажити весь список (242 рахунків, CSV)"
    assert list(named_downloads) == [whole_label]  # nothing chosen: the whole list only
    named_downloads.clear()
    at.selectbox(key="lines_street").set_value("вул. Довга").run()
    assert "Показано 200 з 230 рахунків." in text(at)
    chosen_label = "Завантажити відфільтрований список (рахунків: 230, CSV)"
    assert list(named_downloads) == [chosen_label, whole_label]
    name, build = named_downloads[chosen_label]
    assert name == "bez-pokazan-donarakhuvannia_period-2026-10_vulytsia-vul-Dovha_pravylo-usi.csv"
    data = build()
    assert data.decode("utf-8-sig").startswith("# Фільтри: період=2026-10, вулиця=вул. Довга, правило=усі\r\n")
    _header, *rows = rows_of(data)
    assert sorted(r[0] for r in rows) == [f"11203000{n:05d}" for n in range(MANY)]  # every line of the street
    name, build = named_downloads[whole_label]
    assert name == "bez-pokazan-donarakhuvannia_period-2026-10_vulytsia-usi_pravylo-usi.csv"
    assert len(rows_of(build())) == 1 + MANY + 12

    at.text_input(key="lines_search").input("кв. 230").run()  # a search narrows the file too
    name, build = named_downloads["Завантажити відфільтрований список (рахунків: 1, CSV)"]
    assert name.endswith("_vulytsia-vul-Dovha_pravylo-usi_poshuk-kv-230.csv")
    assert [r[1] for r in rows_of(build())[1:]] == ["вул. Довга, 7, кв. 230"]


def test_the_chosen_lines_of_a_processed_window_are_read_alone(processed_crowd, named_downloads, monkeypatch):
    """The download of a choice asks SQL for the choice's lines, never for the whole stored list."""

    def whole_list(*_args):
        raise AssertionError("the download read the whole list")

    at = signed_in(processed_crowd["manager"], "pages/staff/additional_charges.py")
    at.selectbox(key="lines_rule").set_value("norm").run()
    at.text_input(key="lines_search").input("77001").run()  # meters 7700100-7700199
    monkeypatch.setattr(additional_charges, "additional_charge_list", whole_list)
    _name, build = named_downloads["Завантажити відфільтрований список (рахунків: 100, CSV)"]
    assert sorted(r[0] for r in rows_of(build())[1:]) == [f"11203000{n:05d}" for n in range(100, 200)]


def test_a_processed_windows_page_never_reads_its_whole_list(processed_crowd, monkeypatch):
    """The stored list of a city's window is over a hundred thousand lines: the page asks SQL for what it shows, and
    reads the whole list only for a download."""

    def whole_list(*_args):
        raise AssertionError("the page read the whole list")

    monkeypatch.setattr(additional_charges, "additional_charge_list", whole_list)
    at = signed_in(processed_crowd["operator"], "pages/staff/additional_charges.py")
    at.text_input(key="lines_search").input("довга 7").run()
    at.selectbox(key="lines_rule").set_value("norm").run()
    assert not at.exception
    assert "Знайдено 230 з 230 рахунків; показано перші 200. Повний список — у файлі CSV." in text(at)
    assert len(at.dataframe[0].value) == 200


def _capped_page():
    import streamlit as st

    from ui import staff_view as view

    rows = [{"Рахунок": f"{n:013d}", "Сума": n} for n in range(10_930)]
    matched = view.capped_table(rows, dict, key="all", what="рядків")
    st.session_state["matched"] = len(matched)


def test_any_capped_table_sends_200_of_10930_rows_and_searches_them_all():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_capped_page, default_timeout=30).run()
    assert len(at.dataframe[0].value) == 200
    assert [c.value for c in at.caption] == [
        "Показано 200 з 10\u00a0930 рядків. Повний список — у файлі CSV; знайти окремі рядки можна пошуком."
    ]
    at.text_input(key="all_search").input("0000000010929").run()
    assert at.dataframe[0].value["Рахунок"].tolist() == ["0000000010929"]
    at.text_input(key="all_search").input("00000000109").run()  # 10 900 … 10 929, 1 090 … 1 099 and 109
    assert len(at.dataframe[0].value) == at.session_state["matched"] == 41


def test_a_12_digit_total_debt_fits_its_tile_with_the_exact_amount_beside_it(staff, app_sessions):
    import datetime as dt

    town, users = staff
    for n in range(12):  # 12 × 9 999 999 999,99 on top of the town's 900,00
        town.world.charge(town.a, "hot_water", dt.date(2026, 10, 1) - dt.timedelta(days=31 * n), "9999999999.99")
    at = signed_in(users["manager"])
    debt = {m.label: m for m in at.metric}["Загальний борг"]
    assert debt.value == "120,00\u00a0млрд\u00a0₴"
    assert "Точно: 120\u00a0000\u00a0000\u00a0899,88\u00a0₴" in [c.value for c in at.caption]
    assert "120\u00a0000\u00a0000\u00a0899,88\u00a0₴" in debt.proto.help
