"""The staff dashboard through AppTest: login, the pages of every role, and no page outside the role, even by URL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select, update
from streamlit.testing.v1 import AppTest

from core.staff import create_staff_user, update_staff_user
from db.models import AuditLog, Reading, ReadingWindow, StaffUser
from tests.app.conftest import ROOT, open_app, open_tab
from tests.conftest import kyiv
from tests.integration.test_dashboard import B, build
from ui import staff_data
from ui.staff_access import PAGES, pages_for
from ui.staff_text import pinned

PASSWORD = "staff-pass-2026"
TITLES = {
    "overview": "Огляд",
    "readings": "Показання лічильників гарячої води",
    "payments": "Надходження оплат",
    "reconciliation": "Звірка оплат з реєстрами банку",
    "additional_charges": "Донарахування",
    "explore": "Дослідження даних",
    "lookup": "Пошук рахунку",
    "imports": "Імпорт файлів",
    "conflicts": "Конфлікти імпорту",
    "windows": "Періоди подачі показань",
    "users": "Користувачі та ролі",
}
VISIBLE = {
    "admin": set(TITLES),
    "manager": {"overview", "readings", "payments", "reconciliation", "additional_charges", "lookup"},
    "analyst": {"overview", "readings", "payments", "reconciliation", "explore", "lookup"},
    "operator": {"additional_charges", "lookup", "imports", "conflicts"},
}


@pytest.fixture
def staff(app_world):
    town = build(app_world)
    users = {role: create_staff_user(app_world.sessions, f"{role}1", PASSWORD, role).id for role in VISIBLE}
    return town, users


def signed_in(user_id: int, page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "staff_dashboard.py"), default_timeout=30)
    at.session_state["staff_user_id"] = user_id
    at.run()
    if page is not None:
        at.switch_page(page).run()
    return at


def titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def text(at: AppTest) -> str:
    parts = [
        str(e.value)
        for kind in ("title", "subheader", "markdown", "caption", "info", "warning", "error", "success")
        for e in getattr(at, kind)
    ]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    return "\n".join(parts)


def test_login_form_signs_in_and_wrong_password_is_refused(staff):
    at = open_app("staff_dashboard.py")
    assert titles(at) == ["Панель працівника"]
    # The sign-in page has the browser load the chart code, in a chart hidden by its own style (ui.staff_view).
    preload = [c for c in at.get("flex_container") if "chart_code" in str(c.proto)]
    assert preload and preload[0].get("plotly_chart"), "no hidden chart on the sign-in page"
    at.text_input[0].input("manager1")
    at.text_input[1].input("wrong-password-1")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Невірне ім'я користувача або пароль."]
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert titles(at) == ["Огляд"] and not at.exception


def test_sign_in_opens_a_server_side_session_for_this_browser_only(staff, app_sessions, monkeypatch):
    from core import staff_sessions
    from db.models import StaffSession
    from ui import session_cookie

    monkeypatch.setattr(session_cookie, "browser", lambda: "desk-browser")  # AppTest cannot send cookies
    at = open_app("staff_dashboard.py")
    at.text_input[0].input("manager1")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert titles(at) == ["Огляд"]
    redirect = [h.proto.body for h in at.get("html") if "/session/start?ticket=" in h.proto.body]
    assert len(redirect) == 1
    ticket = redirect[0].split("ticket=", 1)[1].split("&", 1)[0]
    with app_sessions() as s:
        row = s.scalars(select(StaffSession)).one()
    assert row.staff_user_id == staff[1]["manager"] and row.revoked_at is None
    assert staff_sessions.STORE.exchange_ticket(app_sessions, ticket, browser="another-browser") is None


def test_a_role_change_signs_the_open_tab_out(staff, app_sessions):
    _town, users = staff
    at = open_app("staff_dashboard.py")
    at.text_input[0].input("analyst1")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert titles(at) == ["Огляд"]
    update_staff_user(app_sessions, users["analyst"], role="manager", actor="admin1")
    at.run()
    assert titles(at) == ["Панель працівника"]


def test_role_map_matches_the_documented_access():
    assert {role: {p.key for p in pages_for(role)} for role in VISIBLE} == VISIBLE


@pytest.mark.parametrize("role", list(VISIBLE))
def test_every_role_sees_its_pages_and_nothing_else(staff, role):
    _town, users = staff
    for page in PAGES:
        if page.key in VISIBLE[role]:
            at = signed_in(users[role], page.path)
            assert not at.exception, (role, page.key, at.exception)
            assert TITLES[page.key] in titles(at), (role, page.key)
            assert not at.error, (role, page.key, [e.value for e in at.error])
        else:
            # Not in the navigation: switching there by URL/path shows nothing of that page.
            at = signed_in(users[role])
            try:
                at.switch_page(page.path).run()
            except ValueError:
                pass
            assert TITLES[page.key] not in titles(at), (role, page.key)
            # The page itself refuses too, if its script were ever run for this role.
            direct = AppTest.from_file(str(ROOT / page.path), default_timeout=30)
            direct.session_state["staff_user_id"] = users[role]
            direct.run()
            assert titles(direct) == [] and [e.value for e in direct.error] == [
                "Ця сторінка недоступна для вашої ролі."
            ]


def test_a_deactivated_user_is_signed_out_at_once(staff, app_sessions):
    _town, users = staff
    at = signed_in(users["analyst"])
    assert titles(at) == ["Огляд"]
    update_staff_user(app_sessions, users["analyst"], active=False, actor="admin1")
    at.run()
    assert titles(at) == ["Панель працівника"]


def test_overview_shows_the_hand_computed_figures(staff):
    _town, users = staff
    at = signed_in(users["manager"])
    metrics = {m.label: (m.value, m.delta) for m in at.metric}
    # Unchanged: "0", which st.metric shows grey and without an arrow; a fall starts with an ASCII "-", which
    # is what turns its arrow down and red.
    assert metrics["Подали показання"] == ("50\u00a0%", "0")
    assert metrics["Зібрано оплат · листопад 2026"] == ("50\u00a0%", "-40,0\u00a0п.п.")
    assert metrics["Загальний борг"] == ("900,00\u00a0₴", "+800\u00a0₴")
    assert metrics["Рахунків у кабінеті"] == ("2", "+1")


def test_readings_page_lists_who_has_not_submitted_in_the_open_window(staff):
    _town, users = staff
    at = signed_in(users["manager"], "pages/staff/readings.py")
    assert [t.label for t in at.tabs] == ["За періодами", "Усередині періоду"]
    assert "Рахунків з лічильником без показань" not in text(at), "the second tab's list is drawn before it is chosen"
    open_tab(at, "readings_tab", "Усередині періоду")
    assert "Рахунків з лічильником без показань у цьому періоді: **1**" in text(at)
    assert at.dataframe[0].value["Рахунок"].tolist() == [B]


def test_a_period_range_and_a_window_chosen_in_one_tab_are_kept_while_the_other_is_open(staff):
    _town, users = staff
    at = signed_in(users["manager"], "pages/staff/readings.py")
    october = dt.date(2026, 10, 1)
    at.select_slider(key="readings_periods").set_range(october, october).run()
    open_tab(at, "readings_tab", "Усередині періоду")
    at.selectbox(key="readings_window").select_index(1).run()
    chosen = at.selectbox(key="readings_window").value
    open_tab(at, "readings_tab", "За періодами")
    assert at.select_slider(key="readings_periods").value == (october, october)
    open_tab(at, "readings_tab", "Усередині періоду")
    assert at.selectbox(key="readings_window").value == chosen and chosen.period == october


def test_additional_charges_processing_by_a_manager_is_audited(staff, app_sessions):
    _town, users = staff
    at = signed_in(users["manager"], "pages/staff/additional_charges.py")
    # The last closed window is October 2026; everyone metered submitted there.
    assert "У цьому періоді всі рахунки з лічильником подали показання." in text(at)
    assert not at.checkbox, "the processing tab's form is drawn before the tab is chosen"
    open_tab(at, "additional_tab", "Обробка періоду")
    at.checkbox[0].check()
    at.button[0].click().run()
    assert any("Період оброблено" in s.value for s in at.success)
    with app_sessions() as s:
        processed = s.scalars(select(ReadingWindow.processed_by).where(ReadingWindow.processed_at.is_not(None))).all()
        audit = s.scalar(select(AuditLog.actor).where(AuditLog.action == "window.processed"))
    assert processed == ["manager1"] and audit == "manager1"


def test_processing_warns_of_readings_still_under_review(staff, app_sessions):
    _town, users = staff
    at = signed_in(users["manager"], "pages/staff/additional_charges.py")
    open_tab(at, "additional_tab", "Обробка періоду")
    assert not at.warning and "Дію буде записано в журнал." in text(at)
    with app_sessions.begin() as s:  # October's readings (the last closed window) both flagged for review
        october = s.scalar(select(ReadingWindow.id).where(ReadingWindow.period == dt.date(2026, 10, 1)))
        s.execute(update(Reading).where(Reading.window_id == october).values(flagged=True))
    staff_data.clear()  # as the readings pages do after a change
    at = signed_in(users["manager"], "pages/staff/additional_charges.py")
    open_tab(at, "additional_tab", "Обробка періоду")
    assert [w.value for w in at.warning] == ["Показань на перевірці: 2 — перегляньте їх перед обробкою."]
    assert at.checkbox and not at.exception


def test_operator_sees_additional_charges_read_only(staff):
    _town, users = staff
    at = signed_in(users["operator"], "pages/staff/additional_charges.py")
    open_tab(at, "additional_tab", "Обробка періоду")
    assert "Позначити період обробленим може керівник або адміністратор." in text(at)
    assert not at.checkbox and not [b for b in at.button if b.label == "Позначити період обробленим"]


def test_lookup_finds_an_account_by_address(staff):
    _town, users = staff
    at = signed_in(users["operator"], "pages/staff/lookup.py")
    at.text_input[0].input("Волі 1 кв. 2")
    at.button[0].click().run()
    assert f"{B} · просп. Волі, 1, кв. 2" in text(at)
    assert not at.exception


def test_lookup_finds_an_account_by_its_meter_number_and_says_when_it_was_removed(staff, app_world):
    town, users = staff
    app_world.meter(town.c, "2611017", removed=dt.date(2025, 3, 1))
    at = signed_in(users["operator"], "pages/staff/lookup.py")
    at.text_input[0].input("0800001")
    at.button[0].click().run()
    assert at.selectbox[0].options == [f"{B} · просп. Волі, 1, кв. 2 · лічильник 0800001"]
    assert f"{B} · просп. Волі, 1, кв. 2" in text(at)  # the account's card under it
    at.text_input[0].input("2611 017")
    at.button[0].click().run()
    assert at.selectbox[0].options == ["1120200001002 · просп. Волі, 1, кв. 3 · лічильник 2611017, знятий 01.03.2025"]
    assert not at.exception


def test_the_account_card_marks_a_removed_meter_with_its_date(staff, app_world):
    town, users = staff
    app_world.meter(town.b, "2600555", installed=dt.date(2012, 5, 1), removed=dt.date(2017, 5, 31))
    at = signed_in(users["operator"], "pages/staff/lookup.py")
    at.text_input[0].input(B)
    at.button[0].click().run()
    assert "лічильники: 0800001, 2600555 (знятий 31.05.2017)" in text(at)
    assert not at.exception


def test_in_english_the_account_card_marks_a_removed_meter_with_its_date(staff, app_world):
    town, users = staff
    app_world.meter(town.b, "2600555", installed=dt.date(2012, 5, 1), removed=dt.date(2017, 5, 31))
    at = signed_in(users["operator"])
    at.session_state["staff_lang"] = "en"
    at.run()
    with pinned("en"):  # AppTest formats a kept choice outside the script run: here in the page's language
        at.switch_page("pages/staff/lookup.py").run()
        at.text_input[0].input(B)
        at.button[0].click().run()
    assert "meters: 0800001, 2600555 (removed 31.05.2017)" in text(at)
    assert not at.exception


def test_lookup_asks_for_more_than_a_bare_short_number(staff):
    _town, users = staff
    at = signed_in(users["operator"], "pages/staff/lookup.py")
    at.text_input[0].input("1")
    at.button[0].click().run()
    assert [w.value for w in at.warning] == [
        "Щоб шукати за номером рахунку чи лічильника, введіть щонайменше 4 цифри; будинок і квартиру — разом із вулицею."
    ]
    assert not at.selectbox and not at.exception


def test_lookup_says_plainly_nothing_found_when_a_number_or_street_was_typed(staff):
    _town, users = staff
    at = signed_in(users["operator"], "pages/staff/lookup.py")
    for query in ("9999", "Шевченка 99"):
        at.text_input[0].input(query)
        at.button[0].click().run()
        assert [w.value for w in at.warning] == ["Нічого не знайдено."], query
    at.text_input[0].input("99 кв 99")  # a house and a flat, no street: say what to type
    at.button[0].click().run()
    assert [w.value for w in at.warning] == [
        "Нічого не знайдено. Введіть щонайменше 4 цифри номера рахунку чи лічильника або вулицю з будинком."
    ]
    at.text_input[0].input("Гулака 20/1")  # house 20 flat 1, as it is usually written
    at.button[0].click().run()
    assert at.selectbox[0].options[0].startswith("1120200001000 · вул. Гулака-Артемовського, 20, кв. 1")
    assert not at.exception


def test_explore_groups_charges_by_month(staff):
    _town, users = staff
    at = signed_in(users["analyst"], "pages/staff/explore.py")
    table = at.dataframe[0].value
    assert list(table.columns) == ["Місяць", "Сума до сплати, ₴"] and len(table) == 2
    assert not at.exception


def test_admin_creates_a_user_and_a_window(staff, app_sessions):
    _town, users = staff
    at = signed_in(users["admin"], "pages/staff/users.py")
    at.text_input[0].input("olha.k")
    at.text_input[1].input("Ольга К.")
    at.text_input[2].input("a-long-password-1")
    at.selectbox[0].set_value("operator")
    [b for b in at.button if b.label == "Створити"][0].click().run()
    assert "Користувача olha.k створено." in text(at)
    with app_sessions() as s:
        assert s.scalar(select(StaffUser.role).where(StaffUser.username == "olha.k")) == "operator"

    at.switch_page("pages/staff/windows.py").run()
    at.date_input[0].set_value(dt.date(2027, 1, 10))
    [b for b in at.button if b.label == "Створити"][0].click().run()
    assert not at.error, [e.value for e in at.error]
    with app_sessions() as s:
        window = s.scalar(select(ReadingWindow).where(ReadingWindow.period == dt.date(2027, 1, 1)))
    # The default window of the chosen month: the 25th to the 3rd of the next month inclusive, Kyiv time.
    assert (window.opens_at, window.closes_at) == (kyiv(2027, 1, 25), kyiv(2027, 2, 4))


def test_reminder_list_csv_carries_the_filters(staff):
    from ui import staff_data

    town, _users = staff
    data = staff_data.missing_csv(town.november, "просп. Волі", {"період": "2026-11", "вулиця": "просп. Волі"})()
    lines = data.decode("utf-8-sig").split("\r\n")
    assert data.startswith(b"\xef\xbb\xbf")
    assert lines[0] == "# Фільтри: період=2026-11, вулиця=просп. Волі"
    assert lines[1] == "account_number;address;meter_serial;last_value_m3;last_submitted_at"
    assert lines[2] == f"{B};просп. Волі, 1, кв. 2;0800001;53,000;03.11.2026 18:00"


def test_flagged_readings_are_listed_with_their_reason(staff, app_sessions):
    from sqlalchemy import update

    from db.models import Reading

    _town, users = staff
    with app_sessions.begin() as s:
        s.execute(
            update(Reading)
            .where(Reading.value == 53)
            .values(flagged=True, flag_reason="consumption 3.000 m3 above 2.500 m3")
        )
    at = signed_in(users["operator"], "pages/staff/additional_charges.py")
    assert {m.label: m.value for m in at.metric}["Показань на перевірці"] == "1"
    open_tab(at, "additional_tab", "На перевірці")
    flagged = at.dataframe[-1].value
    assert flagged["Рахунок"].tolist() == [B]
    assert flagged["Причина"].tolist() == ["Споживання 3,000\u00a0м³ перевищує поріг 2,500\u00a0м³ — перевірте"]


def test_operator_corrects_a_reading_from_the_account_lookup(staff, app_sessions):
    from db.models import Reading

    _town, users = staff
    at = signed_in(users["operator"], "pages/staff/lookup.py")
    at.text_input[0].input("Волі 1 кв. 2")
    at.button[0].click().run()
    open_tab(at, "lookup_tab", "Показання")
    at.text_input[1].input("52,5")
    at.text_input[2].input("фото лічильника: 52,5")
    [b for b in at.button if b.label == "Виправити показання"][0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Показання виправлено: 52,500 м³ (замість 53,000 м³)" in text(at)
    with app_sessions() as s:
        rows = s.execute(
            select(Reading.value, Reading.status, Reading.quality)
            .where(Reading.value.in_([Decimal("52.5"), Decimal("53")]))
            .order_by(Reading.value)
        ).all()
        audit = s.scalar(select(AuditLog.actor).where(AuditLog.action == "reading.corrected"))
    assert [tuple(r) for r in rows] == [
        (Decimal("52.500"), "accepted", "corrected"),
        (Decimal("53.000"), "superseded", "actual"),
    ]
    assert audit == "operator1"


def test_an_analyst_may_look_up_but_not_correct_readings(staff):
    _town, users = staff
    at = signed_in(users["analyst"], "pages/staff/lookup.py")
    at.text_input[0].input("Волі 1 кв. 2")
    at.button[0].click().run()
    open_tab(at, "lookup_tab", "Показання")
    assert at.dataframe and not at.exception and not [b for b in at.button if b.label == "Виправити показання"]


def _chart_x(at: AppTest) -> list[str]:
    import json

    [chart] = at.get("plotly_chart")
    return json.loads(chart.proto.spec)["data"][0]["x"]


def test_payments_by_week_draw_every_week_of_the_period_the_empty_ones_too(staff):
    _town, users = staff  # payments on 5 Oct, 28 Oct, 10 Nov, 20 Nov and 26 Nov 2026
    at = signed_in(users["manager"], "pages/staff/payments.py")
    at.date_input[0].set_value((dt.date(2026, 9, 1), dt.date(2026, 11, 27))).run()
    at.segmented_control[0].set_value("week").run()
    weeks = _chart_x(at)
    assert weeks[0] == "31.08.2026" and weeks[-1] == "23.11.2026" and len(weeks) == 13  # not only the five paid weeks
    assert "14.09.2026" in weeks and not at.exception


def test_payments_by_day_over_a_long_period_say_which_days_are_counted(staff):
    _town, users = staff
    at = signed_in(users["manager"], "pages/staff/payments.py")
    at.date_input[0].set_value((dt.date(2026, 1, 1), dt.date(2026, 11, 27))).run()
    at.segmented_control[0].set_value("day").run()
    assert [w.value for w in at.warning] == [
        "За днями показуємо не більше 120 днів, тож враховано лише 31.07.2026–27.11.2026. "
        "Виберіть коротший період або групуйте за тижнями."
    ]
    days = _chart_x(at)
    assert (days[0], days[-1], len(days)) == ("31.07.2026", "27.11.2026", 120)
    assert not at.exception
