"""«Імпорт файлів» tells the operator, for the chosen kind of file, which columns the import reads (name, what it
holds, an example, required or not, other names) and offers a sample file: no README or repository needed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from streamlit.testing.v1 import AppTest

from core import import_parsing, register_import, register_parsing
from core.errors import DomainError
from core.staff import create_staff_user
from tests.app.conftest import ROOT
from tests.app.test_exports import downloads  # noqa: F401 (fixture)
from tests.app.test_staff_pages import PASSWORD, text
from tests.app.test_staff_register_import import metrics

KINDS = ("bank", "charges", "readings", "accounts", "meters", "tariffs")
SAMPLES = ROOT / "data" / "samples"


# What the register must hold before a kind's sample can be imported whole.
NEEDS = {"bank": ("accounts",), "charges": ("accounts",), "readings": ("accounts", "meters"), "meters": ("accounts",)}


@pytest.fixture
def operator(app_world) -> int:
    app_world.window(dt.date(2026, 11, 1))  # open: the readings sample's date is in it
    return create_staff_user(app_world.sessions, "operator1", PASSWORD, "operator").id


def register_for(app_world, kind: str) -> None:
    for needed in NEEDS.get(kind, ()):
        data = (SAMPLES / f"{needed}.csv").read_bytes()
        register_import.commit(app_world.sessions, needed, f"{needed}.csv", data, actor="setup")


def imports_page(user_id: int, kind: str, lang: str = "uk") -> AppTest:
    at = AppTest.from_file(str(ROOT / "staff_dashboard.py"), default_timeout=30)
    at.session_state["staff_user_id"] = user_id
    at.session_state["staff_lang"] = lang
    at.run()
    at.switch_page("pages/staff/imports.py").run()
    at.segmented_control[0].set_value(kind).run()
    assert not at.exception
    return at


def plain(cell: str) -> str:
    """A table cell as it reads on screen: no code marks, no Markdown escapes."""
    return re.sub(r"\\(.)", r"\1", cell.replace("`", ""))


def shown_columns(at: AppTest) -> list[dict[str, str]]:
    return [{str(name): plain(value) for name, value in row.items()} for row in at.table[0].value.to_dict("records")]


def parser(kind: str):
    return import_parsing if kind in import_parsing.KINDS else register_parsing


def offered(at: AppTest, downloads: list[tuple[str, bytes]]) -> tuple[str, bytes]:
    """The sample file the page offers: its button's name and the bytes a click downloads."""
    [label] = [b.proto.label for b in at.get("download_button")]
    name, data = downloads[-1]
    assert label == f"Завантажити зразок ({name})"
    return name, data


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader[0].set_value((name, data, "text/csv")).run()
    assert not at.exception
    return at


def without_column(data: bytes, column: str) -> bytes:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    drop = rows[0].index(column)
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows([r[:drop] + r[drop + 1 :] for r in rows])
    return out.getvalue().encode()


@pytest.mark.parametrize("kind", KINDS)
def test_the_columns_shown_are_the_ones_the_import_reads_required_as_it_requires(operator, kind):
    at = imports_page(operator, kind)
    shown = shown_columns(at)
    spec, required = parser(kind).COLUMNS[kind], parser(kind).REQUIRED[kind]
    names = [c["Стовпець"] for c in shown]
    assert import_parsing.column_mapping(names, spec, required) == dict(enumerate(spec))  # each one read, all there
    for column in shown:
        others = [n for n in column["Інші назви"].split(", ") if n]
        for other in others:  # any other name given is read as the same column
            assert import_parsing.column_mapping([other], spec, ()) == {0: column["Стовпець"]}
        rest = [n for n in names if n != column["Стовпець"]]
        if column["Обов'язковий"] == "так":
            with pytest.raises(DomainError):
                import_parsing.column_mapping(rest, spec, required)
        else:
            import_parsing.column_mapping(rest, spec, required)
        assert column["Що містить"] not in ("", f"import.column.{kind}.{column['Стовпець']}")  # in the catalog


@pytest.mark.parametrize("kind", KINDS)
def test_the_sample_offered_is_a_file_the_import_takes_whole(operator, app_world, downloads, kind):
    register_for(app_world, kind)
    at = imports_page(operator, kind)
    name, data = offered(at, downloads)
    rows = len(data.decode("utf-8-sig").strip().splitlines()) - 1
    upload(at, name, data)
    assert not at.error, [e.value for e in at.error]
    assert metrics(at)["Буде додано"] == str(rows) and metrics(at)["Відхилено"] == "0"
    header = data.decode("utf-8-sig").splitlines()[0].split(";")
    shown = shown_columns(at)
    assert header == [c["Стовпець"] for c in shown]  # the sample carries every column, in the table's order
    lines = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    for column in shown:  # each example is what the sample writes in that column
        given = next((row[column["Стовпець"]] for row in lines if row[column["Стовпець"]]), "порожньо в зразку")
        assert column["Приклад"] == given


@pytest.mark.parametrize("kind", ["bank", "accounts"])
def test_a_file_without_a_column_the_table_calls_required_is_refused_naming_it(operator, app_world, downloads, kind):
    register_for(app_world, kind)
    at = imports_page(operator, kind)
    name, data = offered(at, downloads)
    column = next(c["Стовпець"] for c in shown_columns(at) if c["Обов'язковий"] == "так")
    upload(at, name, without_column(data, column))
    [error] = [e.value for e in at.error]
    assert error.startswith(f"У заголовку бракує стовпців: {column}.")


def test_the_page_no_longer_sends_the_operator_to_a_readme(operator):
    at = imports_page(operator, "bank")
    assert "README" not in text(at) and "data/samples" not in text(at)
    assert [c["Стовпець"] for c in shown_columns(at)][:2] == ["account_number", "service"]


def test_in_english_the_columns_read_in_english(operator):
    at = imports_page(operator, "bank", lang="en")
    shown = shown_columns(at)
    assert list(shown[0]) == ["Column", "What it holds", "Example", "Required", "Other names"]
    channel = next(c for c in shown if c["Column"] == "channel")
    assert channel["Required"] == "no" and channel["What it holds"].startswith("payment channel: bank")
    assert [b.proto.label for b in at.get("download_button")] == ["Download a sample (bank_registry.csv)"]
