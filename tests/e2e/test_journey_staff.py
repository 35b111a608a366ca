"""Staff journeys in a real browser: every role sees only its pages, the manager's charts carry data, the operator
imports a bank registry twice (the second time adds nothing), the additional-charges file downloads with the
accounts the domain rule lists. One staff server over its own copy of the demo database."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.additional_charges import additional_charge_list, recalculation_list
from core.import_parsing import MAX_BYTES
from db.engine import make_engine, make_sessions
from db.models import ImportBatch, Payment, ReadingWindow
from demo.generator import DEMO_STAFF
from tests.e2e.conftest import WINDOW_OPEN
from tests.e2e.harness import (
    DESKTOP,
    ROOT,
    assert_no_exception,
    click_button,
    copy_database,
    expect,
    expect_text,
    fill,
    main_text,
    normal,
    plotly_traces,
    running,
    screenshot,
    wait_idle,
)

REGISTRY = ROOT / "data" / "samples" / "bank_registry.csv"

# What each role must (and must not) find in its menu, from the product's role rules.
MUST_SEE = {
    "admin": {
        "Огляд",
        "Показання",
        "Оплати",
        "Донарахування",
        "Дослідження даних",
        "Пошук рахунку",
        "Імпорт файлів",
        "Конфлікти імпорту",
        "Періоди подачі",
        "Користувачі",
    },
    "manager": {"Огляд", "Показання", "Оплати", "Донарахування", "Пошук рахунку"},
    "analyst": {"Огляд", "Показання", "Оплати", "Дослідження даних", "Пошук рахунку"},
    "operator": {"Імпорт файлів", "Конфлікти імпорту", "Пошук рахунку", "Донарахування"},
}
MUST_NOT_SEE = {
    "admin": set(),
    "manager": {"Імпорт файлів", "Конфлікти імпорту", "Дослідження даних", "Періоди подачі", "Користувачі"},
    "analyst": {"Імпорт файлів", "Конфлікти імпорту", "Донарахування", "Періоди подачі", "Користувачі"},
    "operator": {"Огляд", "Оплати", "Дослідження даних", "Періоди подачі", "Користувачі"},
}


@pytest.fixture(scope="module")
def database(demo_database, tmp_path_factory):
    return copy_database(demo_database, tmp_path_factory.mktemp("staff"), "staff.sqlite3")


@pytest.fixture(scope="module")
def staff(database):
    with running("staff_dashboard.py", database, WINDOW_OPEN) as server:
        yield server


@pytest.fixture(scope="module")
def sessions(database):
    engine = make_engine(database)
    yield make_sessions(engine)
    engine.dispose()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=DESKTOP, locale="uk-UA", accept_downloads=True)
    yield context.new_page()
    context.close()


def sign_in(page, base_url: str, role: str) -> None:
    page.goto(base_url + "/")
    expect_text(page, "Внутрішній застосунок")
    fill(page, "Ім'я користувача", role)
    fill(page, "Пароль", DEMO_STAFF[role])
    with page.expect_response(lambda response: "/session/start" in response.url):
        click_button(page, "Увійти")  # the page fetches the session cookie in the background
    expect(page.locator("[data-testid='stSidebarNav']")).to_be_visible()
    wait_idle(page)
    assert_no_exception(page)


def menu(page) -> set[str]:
    """The page titles in the sidebar menu (each link's last line: the icon's name comes first)."""
    more = page.get_by_role("button", name=re.compile(r"View .*more|Show more", re.I))
    if more.count():
        more.first.click()
    links = page.locator("[data-testid='stSidebarNav'] a").all_inner_texts()
    return {normal(text).strip().splitlines()[-1].strip() for text in links}


def open_page(page, title: str, heading: str) -> None:
    page.locator("[data-testid='stSidebarNav'] a").filter(has=page.get_by_text(title, exact=True)).click()
    expect(page.get_by_role("heading", name=heading).first).to_be_visible()  # the page's own title
    wait_idle(page)
    assert_no_exception(page)


@pytest.mark.parametrize("role", ["admin", "manager", "analyst", "operator"])
def test_each_role_sees_only_its_pages(page, staff, role):
    sign_in(page, staff.url, role)
    shown = menu(page)
    assert MUST_SEE[role] <= shown, shown
    assert not (MUST_NOT_SEE[role] & shown), shown
    if role == "admin":
        open_page(page, "Користувачі", "Користувачі та ролі")
        for other in DEMO_STAFF:
            expect(page.get_by_text(other, exact=True).first).to_be_attached()
    screenshot(page, f"staff-menu-{role}")


def test_manager_charts_render_with_data(page, staff):
    sign_in(page, staff.url, "manager")
    open_page(page, "Огляд", "Огляд")
    charts = wait_for_charts(page, 2)
    assert all(any(points for points, _total in chart) for chart in charts), charts
    assert any(total > 0 for chart in charts for _points, total in chart), charts
    text = main_text(page)
    assert "Загальний борг" in text and "Подали показання" in text

    open_page(page, "Оплати", "Надходження оплат")
    tabs = {  # a chart a tab, drawn when its tab is chosen
        "За каналами": "за каналами",
        "За послугами": "за послугами",
        "Оплати проти нарахувань": "рахунок до сплати",
    }
    for tab, title in tabs.items():
        if tab != "За каналами":
            open_tab(page, tab)
        [chart] = wait_for_charts(page, 1, title)
        assert any(points for points, _total in chart) and any(total > 0 for _points, total in chart), (tab, chart)
        # Full-width charts are given the room their labels need before Plotly draws them (ui.staff_view
        # .room_for_labels): Plotly kept every margin it was given, so it drew each chart once, not twice.
        [(drawn, given)] = page.evaluate(
            """() => Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot')).map(g =>
                   [['l', 'r', 't', 'b'].map(side => g._fullLayout._size[side]),
                    ['l', 'r', 't', 'b'].map(side => g.layout.margin[side])])"""
        )
        assert drawn == given, (tab, drawn, given)
    screenshot(page, "staff-manager-payments")

    open_page(page, "Показання", "Показання лічильників гарячої води")
    [chart] = wait_for_charts(page, 1, "за періодами і каналами")
    assert any(total > 0 for _points, total in chart), chart
    shares = page.evaluate(
        """() => document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot')
                   .layout.annotations.map(a => a.text)"""
    )  # the share of metered accounts that submitted, over each window's bar
    assert len(shares) == chart[0][0] and all(re.match(r"^\d+(,\d)? %", normal(text)) for text in shares), shares
    open_tab(page, "Усередині періоду")
    [curve] = wait_for_charts(page, 1, "день за днем")
    assert any(points for points, _total in curve), curve
    screenshot(page, "staff-manager-readings-window")


def test_manager_switches_the_dashboard_to_english(page, staff):
    sign_in(page, staff.url, "manager")
    page.locator("[data-testid='stSidebar']").get_by_text("English", exact=True).click()
    expect(page.get_by_role("heading", name="Overview").first).to_be_visible()
    wait_idle(page)
    assert_no_exception(page)
    assert {"Overview", "Readings", "Payments", "Additional charges", "Account lookup"} <= menu(page)
    charts = wait_for_charts(page, 2)
    assert any(total > 0 for chart in charts for _points, total in chart), charts
    text = main_text(page)
    assert "Total debt" in text and "Readings submitted" in text and "Загальний борг" not in text
    screenshot(page, "staff-overview-english")


def open_tab(page, name: str) -> None:
    """Click a tab of the page and wait for the rerun it starts (only the chosen tab's part is drawn)."""
    page.get_by_role("tab", name=name, exact=True).click()
    expect(page.get_by_role("tab", name=name, exact=True)).to_have_attribute("aria-selected", "true")
    wait_idle(page)
    assert_no_exception(page)


def wait_for_charts(page, count: int, title: str = "") -> list[list[tuple[int, float]]]:
    """Wait until `count` Plotly charts have been drawn (the last one's title holding `title`), then read their
    traces (points, sum of values)."""
    page.wait_for_function(
        "([n, title]) => { const plots = document.querySelectorAll('[data-testid=\"stPlotlyChart\"] .js-plotly-plot');"
        " return plots.length >= n && Array.from(plots).every(p => Array.isArray(p.data))"
        " && (plots[plots.length - 1].layout?.title?.text || '').includes(title); }",
        arg=[count, title],
        polling=100,
    )
    return plotly_traces(page)


def metric(page, label: str) -> str:
    box = page.locator("[data-testid='stMetric']").filter(has_text=label)
    return normal(box.locator("[data-testid='stMetricValue']").inner_text()).strip()


def registry_state(sessions) -> tuple[int, int]:
    """(payments carrying the sample registry's references, import batches of the sample file)."""
    with sessions() as session:
        payments = session.scalar(select(func.count()).where(Payment.external_ref.like("PB-20261126-%")))
        batches = session.scalar(select(func.count()).where(ImportBatch.filename == REGISTRY.name))
    return payments, batches


def upload(page, path: Path) -> None:
    # A fresh File each time (as a person picking the file again): the same path twice would not fire a change.
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(
        {"name": path.name, "mimeType": "text/csv", "buffer": path.read_bytes()}
    )
    expect_text(page, "Попередній перегляд")


def test_operator_imports_the_bank_registry_twice_and_the_second_time_adds_nothing(page, staff, sessions):
    rows = len(REGISTRY.read_text(encoding="utf-8-sig").strip().splitlines()) - 1
    assert registry_state(sessions) == (0, 0)
    sign_in(page, staff.url, "operator")
    open_page(page, "Імпорт файлів", "Імпорт файлів")
    upload(page, REGISTRY)
    assert metric(page, "Буде додано") == str(rows)
    assert metric(page, "Відхилено") == "0"
    click_button(page, "Імпортувати")
    expect_text(page, f"Імпортовано: додано {rows}, дублікатів 0, відхилено 0")
    assert registry_state(sessions) == (rows, 1)

    page.get_by_role("button", name=f"Прибрати {REGISTRY.name}").click()  # and the same file once more
    expect(page.get_by_text("Попередній перегляд")).to_have_count(0)
    wait_idle(page)
    upload(page, REGISTRY)
    expect_text(page, "Цей самий файл уже імпортовано")
    assert metric(page, "Буде додано") == "0"
    assert metric(page, "Дублікати (пропущено)") == str(rows)
    expect(page.get_by_role("button", name="Імпортувати")).to_be_disabled()
    assert registry_state(sessions) == (rows, 1)
    screenshot(page, "staff-operator-second-import")


def test_the_file_uploader_speaks_the_staff_members_language(page, staff):
    sign_in(page, staff.url, "operator")
    open_page(page, "Імпорт файлів", "Імпорт файлів")
    dropzone = page.locator("[data-testid='stFileUploaderDropzone']")
    # Streamlit's own words ("Upload", "200MB per file") used to stand in English in the Ukrainian page; the limit
    # is the import's own (core.import_parsing.MAX_BYTES), not Streamlit's default.
    expect(dropzone.get_by_role("button", name="Вибрати файл", exact=True)).to_be_visible()
    expect(dropzone).to_contain_text(f"до {MAX_BYTES // 2**20} МБ на файл")
    assert "Upload" not in dropzone.inner_text() and "per file" not in dropzone.inner_text()
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(
        {"name": REGISTRY.name, "mimeType": "text/csv", "buffer": REGISTRY.read_bytes()}
    )
    expect_text(page, "Попередній перегляд")
    expect(dropzone.get_by_role("button", name=f"Прибрати {REGISTRY.name}")).to_be_visible()
    screenshot(page, "staff-uploader-ukrainian")
    page.locator("[data-testid='stSidebar']").get_by_text("English", exact=True).click()
    expect(page.get_by_role("heading", name="File imports").first).to_be_visible()
    wait_idle(page)
    expect(dropzone.get_by_role("button", name=f"Remove {REGISTRY.name}")).to_be_visible()
    page.get_by_role("button", name=f"Remove {REGISTRY.name}").click()
    expect(dropzone.get_by_role("button", name="Upload", exact=True)).to_be_visible()
    expect(dropzone).to_contain_text(f"{MAX_BYTES // 2**20}MB per file")
    assert "Вибрати файл" not in dropzone.inner_text()
    screenshot(page, "staff-uploader-english")


def slider_thumbs(page) -> list[tuple[str | None, str | None, str]]:
    """The period slider's thumbs as a screen reader finds them: (aria-label, aria-valuetext, the value shown)."""
    thumbs = page.locator("[data-testid='stSlider'] input[type='range']")
    shown = page.locator("[data-testid='stSlider'] [data-testid='stSliderThumbValue']").all_inner_texts()
    return [
        (thumb.get_attribute("aria-label"), thumb.get_attribute("aria-valuetext"), normal(value).strip())
        for thumb, value in zip(thumbs.all(), shown)
    ]


def test_the_period_sliders_thumbs_are_read_aloud_in_the_staff_members_language(page, staff):
    """Streamlit names a range slider's thumbs "<label> — start" and "<label> — end" in English, which a screen
    reader read out in the Ukrainian page («Періоди — start»); the page script says them in the page's language."""
    sign_in(page, staff.url, "manager")
    open_page(page, "Показання", "Показання лічильників гарячої води")
    thumbs = page.locator("[data-testid='stSlider'] input[type='range']")
    expect(thumbs).to_have_count(2)
    expect(thumbs.first).to_have_attribute("aria-label", "Періоди — початок")
    expect(thumbs.last).to_have_attribute("aria-label", "Періоди — кінець")
    ukrainian = slider_thumbs(page)
    assert all(re.fullmatch(r"[а-яєії]{3} \d{4}", text) and text == shown for _l, text, shown in ukrainian), ukrainian

    page.locator("[data-testid='stSidebar']").get_by_text("English", exact=True).click()
    expect(page.get_by_role("heading", name="Hot-water meter readings").first).to_be_visible()
    wait_idle(page)
    expect(thumbs.first).to_have_attribute("aria-label", "Periods — start")
    expect(thumbs.last).to_have_attribute("aria-label", "Periods — end")
    english = slider_thumbs(page)
    assert [label for label, _t, _s in english] == ["Periods — start", "Periods — end"], english
    assert all(re.fullmatch(r"[A-Z][a-z]{2} \d{4}", text) and text == shown for _l, text, shown in english), english
    expect(page.get_by_role("slider", name=re.compile(r"^Periods — start"))).to_have_count(1)
    screenshot(page, "staff-readings-slider-english")


def test_additional_charges_csv_lists_the_accounts_the_rule_finds(page, staff, sessions):
    sign_in(page, staff.url, "manager")
    open_page(page, "Донарахування", "Донарахування")
    open_tab(page, "Обробка періоду")
    with page.expect_download() as download_info:
        page.get_by_role("button", name=re.compile("Завантажити для білінгу")).click()
    download = download_info.value
    name = download.suggested_filename
    period = re.fullmatch(r"donarakhuvannia_(\d{4})-(\d{2})\.csv", name)
    assert period, name
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_bytes().decode("utf-8-sig")), delimiter=";"))
    wait_idle(page)

    month = dt.date(int(period.group(1)), int(period.group(2)), 1)
    with sessions() as session:
        window_id = session.scalar(select(ReadingWindow.id).where(ReadingWindow.period == month))
    expected = additional_charge_list(sessions, window_id)
    assert expected, "the demo data should leave some metered accounts without a reading"
    expected = [*expected, *recalculation_list(sessions, window_id)]
    assert sorted(row["account_number"] for row in rows) == sorted(line.account_number for line in expected)
    assert {row["quality"] for row in rows if row["rule"] != "recalculation"} == {"estimated"}
    assert {row["period"] for row in rows} == {f"{month:%Y-%m}"}

    # The list as the table shows it, whole, built by the server when the button is pressed (a deferred download).
    open_tab(page, "Без показань")
    with page.expect_download() as download_info:
        page.get_by_role("button", name=re.compile("Завантажити весь список")).click()
    listed = Path(download_info.value.path()).read_bytes().decode("utf-8-sig").splitlines()
    assert listed[0] == f"# Фільтри: період={month:%Y-%m}, вулиця=усі, правило=усі"
    assert download_info.value.suggested_filename == (
        f"bez-pokazan-donarakhuvannia_period-{month:%Y-%m}_vulytsia-usi_pravylo-usi.csv"
    )
    accounts = sorted(row["Рахунок"] for row in csv.DictReader(io.StringIO("\n".join(listed[1:])), delimiter=";"))
    assert accounts == sorted(line.account_number for line in additional_charge_list(sessions, window_id))
    screenshot(page, "staff-additional-charges")
