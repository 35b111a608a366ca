"""Every download of the staff dashboard, with imported text that a spreadsheet would run as a formula: each
text cell arrives neutralised (a leading single quote), each amount stays a number."""

from __future__ import annotations

import ast
import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
import streamlit
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from core import additional_charges, reconciliation
from core.estimates import AdditionalChargeLine
from core.staff import create_staff_user
from tests.app.conftest import ROOT
from tests.conftest import kyiv

HYPERLINK = '=HYPERLINK("http://x","y")'
NOW = kyiv(2026, 11, 27, 12)  # the pinned business clock of the app tests


@pytest.fixture
def downloads(monkeypatch) -> list[tuple[str, bytes]]:
    """The files the pages offer for download in this test, as (file name, bytes); a deferred download (built only
    when clicked) is built here as the click would."""
    files: list[tuple[str, bytes]] = []
    original = MemoryMediaFileStorage.load_and_get_id
    button = streamlit.download_button

    def keep(self, path_or_data, mimetype, kind, filename=None):
        if isinstance(path_or_data, bytes):
            files.append((filename or "", path_or_data))
        return original(self, path_or_data, mimetype, kind, filename)

    def build(label, data, *args, **kwargs):
        if callable(data):
            files.append((kwargs.get("file_name") or "", data()))
        return button(label, data, *args, **kwargs)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep)
    monkeypatch.setattr(streamlit, "download_button", build)
    return files


def cells(data: bytes) -> list[list[str]]:
    lines = data.decode("utf-8-sig").splitlines()
    body = [line for line in lines if not line.startswith("# Фільтри")]
    return list(csv.reader(io.StringIO("\n".join(body)), delimiter=";"))


def staff_page(user_id: int, page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "staff" / page), default_timeout=30)
    at.session_state["staff_user_id"] = user_id
    return at.run()


def test_reconciliation_downloads_neutralise_the_banks_text(app_world, downloads):
    sessions = app_world.sessions
    account = app_world.account("1120200001000", address="=1+1, 5")
    with sessions.begin() as s:
        assert (
            reconciliation.credit_registry_payment(
                s,
                account_id=account,
                service="hot_water",
                amount=Decimal("87.45"),
                paid_at=NOW - dt.timedelta(days=1),
                channel="bank",
                source="@SUM(1)",
                external_ref=HYPERLINK,
                order_id="=1+1",
            )
            == "added"
        )
    admin = create_staff_user(sessions, "admin1", "staff-pass-2026", "admin").id

    at = staff_page(admin, "reconciliation.py")
    assert not at.exception
    [(_name, data)] = [(n, d) for n, d in downloads if n.startswith("zvirka-riadky_")]
    header, row = cells(data)
    by_column = dict(zip(header, row))
    assert by_column["Номер замовлення"] == "'=1+1"
    assert by_column["Джерело"] == "'@SUM(1)"
    assert by_column["Номер запису"] == "'" + HYPERLINK
    assert by_column["Сума"] == "87,45"  # a number, not text
    assert not [cell for cell in row if cell.startswith(("=", "+", "@", "\t", "\r"))]


def test_explore_download_neutralises_a_street_name(app_world, downloads):
    account = app_world.account("1120200001000", address="=1+1, 5")
    app_world.charge(account, "heating", dt.date(2026, 10, 1), "1500.00")
    analyst = create_staff_user(app_world.sessions, "analyst1", "staff-pass-2026", "analyst").id

    at = staff_page(analyst, "explore.py")
    at.multiselect[0].set_value(["street"]).run()
    assert not at.exception
    name, data = downloads[-1]
    assert name.startswith("charges")
    _header, *rows = cells(data)
    assert [row[0] for row in rows] == ["'=1+1"]
    assert rows[0][1] == "1500,00"


def test_reminder_list_neutralises_an_address(app_world):
    from ui import staff_data

    account = app_world.account("1120200001000", address="@SUM(1), 5")
    app_world.meter(account, "-0812345")
    november = app_world.window(dt.date(2026, 11, 1))
    data = staff_data.missing_csv(november, None, {"період": "2026-11"})()
    _header, row = cells(data)
    assert row[:3] == ["1120200001000", "'@SUM(1), 5", "'-0812345"]


def test_billing_file_goes_through_the_same_writer():
    line = AdditionalChargeLine(
        1,
        "=1+1",
        "=2+2",
        "=2+2",
        2,
        "0800001",
        2,
        1,
        "average",
        Decimal("0.1"),
        30,
        Decimal("-3.000"),
        Decimal("98.5200"),
        Decimal("-295.56"),
    )
    _header, row = cells(additional_charges.billing_csv([line], dt.date(2026, 11, 1)))
    assert row == ["'=1+1", "hot_water", "2026-11", "-3,000", "98,52", "-295,56", "average", "estimated"]


def test_every_download_in_the_apps_is_built_by_the_export_writer():
    """A new st.download_button must get its data from one of the builders that use core.export (the monthly
    receipt is a PDF built by core.receipts, not a table: no spreadsheet opens it; the import page's sample is a
    file of data/samples, holding no one's text)."""
    builders = {
        "view.csv_bytes",
        "view.list_csv",
        "list_csv",
        "csv_bytes",
        "additional_charges.billing_csv",
        "staff_data.missing_csv",
        "staff_data.explore_csv",
        "staff_data.billing_csv",
        "partial",
        "sample.data",
    }
    found = []
    for path in sorted((ROOT / "pages").rglob("*.py")) + sorted((ROOT / "ui").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("download_button"):
                data = node.args[1] if len(node.args) > 1 else next(k.value for k in node.keywords if k.arg == "data")
                found.append((path.name, ast.unparse(data.func) if isinstance(data, ast.Call) else ast.unparse(data)))
    assert len(found) >= 5 and all(builder in builders for _name, builder in found), found
    assert [name for name, builder in found if builder == "csv_bytes"] == ["staff_view.py"], found  # its own writer
    assert [name for name, builder in found if builder == "partial"] == ["account.py"], found
    assert [name for name, builder in found if builder == "sample.data"] == ["imports.py"], found


def test_explore_download_holds_every_group_not_only_those_on_screen(app_world, downloads, monkeypatch):
    from core import explore
    from tests.integration.test_dashboard import build

    build(app_world)
    monkeypatch.setattr(explore, "MAX_GROUPS", 1)  # the screen shows one group of the three
    analyst = create_staff_user(app_world.sessions, "analyst1", "staff-pass-2026", "analyst").id
    at = staff_page(analyst, "explore.py")
    at.multiselect[0].set_value(["month", "service"]).run()
    assert not at.exception
    assert len(at.dataframe[0].value) == 1
    _name, data = downloads[-1]
    _header, *rows = cells(data)
    assert [row[:2] for row in rows] == [
        ["2026-09-01", "heating"],
        ["2026-10-01", "heating"],
        ["2026-10-01", "hot_water"],
    ]


@pytest.mark.parametrize(
    ("lang", "inside", "expected"),
    [
        ("uk", "Усередині періоду", "bez-pokazan_period-2026-11_vulytsia-prosp-Voli.csv"),
        ("en", "Within a period", "bez-pokazan_period-2026-11_street-prosp-Voli.csv"),
    ],
)
def test_the_reminder_files_name_is_all_in_latin_letters_the_street_too(app_world, downloads, lang, inside, expected):
    """The chosen street used to stand in Cyrillic after the transliterated stem (`bez-pokazan_період-…_вулиця-…`)."""
    from tests.app.conftest import open_tab
    from tests.integration.test_dashboard import build

    build(app_world)
    manager = create_staff_user(app_world.sessions, "manager1", "staff-pass-2026", "manager").id
    at = AppTest.from_file(str(ROOT / "pages" / "staff" / "readings.py"), default_timeout=30)
    at.session_state["staff_user_id"], at.session_state["staff_lang"] = manager, lang
    at.run()
    at.selectbox[0].set_value("просп. Волі").run()
    open_tab(at, "readings_tab", inside)
    assert not at.exception
    [(name, data)] = downloads[-1:]
    assert name == expected
    assert "0800001" in data.decode("utf-8-sig")  # the street's account without a reading (B's meter)
