"""«Імпорт файлів» for the register: an operator previews and commits accounts, meters and tariffs, sees what a
later file changes, and a broken file gives a message, never a traceback."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from core.staff import create_staff_user
from db.models import Account, AuditLog, ImportBatch, Meter, Tariff
from tests.app.conftest import ROOT, open_tab
from ui.staff_text import pinned

SAMPLES = ROOT / "data" / "samples"
LATER = (
    "account_number;street;building;flat;residents;heating;hot_water;heated_area;status;closed_on\r\n"
    "1120200001000;вул. Гулака-Артемовського;22;4;2;1;1;62,40;open;\r\n"
    "1120200001017;вул. Гулака-Артемовського;20;17;1;1;1;38,10;closed;2026-11-26\r\n"
    "1110100000101;просп. Волі;3;9;три;1;0;71,25;open;\r\n"
).encode()


@pytest.fixture
def operator(app_sessions) -> int:
    return create_staff_user(app_sessions, "operator1", "staff-pass-2026", "operator").id


def imports_page(user_id: int, kind: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "staff_dashboard.py"), default_timeout=30)
    at.session_state["staff_user_id"] = user_id
    at.run()
    at.switch_page("pages/staff/imports.py").run()
    at.segmented_control[0].set_value(kind).run()
    return at


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader[0].set_value((name, data, "text/csv")).run()
    assert not at.exception, at.exception
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def commit(at: AppTest) -> AppTest:
    [button] = [b for b in at.button if b.label == "Імпортувати"]
    button.click().run()
    assert not at.exception, at.exception
    return at


def count(sessions, model) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_operator_loads_the_register_from_the_samples_and_a_second_time_changes_nothing(app_sessions, operator):
    for kind, name, rows, model in (
        ("accounts", "accounts.csv", "5", Account),
        ("meters", "meters.csv", "5", Meter),
        ("tariffs", "tariffs.csv", "2", Tariff),
    ):
        at = upload(imports_page(operator, kind), name, (SAMPLES / name).read_bytes())
        assert metrics(at) == {"Буде додано": rows, "Буде змінено": "0", "Без змін": "0", "Відхилено": "0"}
        assert count(app_sessions, model) == 0  # the preview writes nothing
        commit(at)
        assert [s.value for s in at.success] == [
            f"Імпортовано: додано {rows}, змінено 0, без змін 0, відхилено 0 (пакет № {count_batches(app_sessions)})."
        ]
        assert count(app_sessions, model) == int(rows)

    again = upload(imports_page(operator, "accounts"), "accounts.csv", (SAMPLES / "accounts.csv").read_bytes())
    assert metrics(again) == {"Буде додано": "0", "Буде змінено": "0", "Без змін": "5", "Відхилено": "0"}
    assert any("Цей самий файл уже імпортовано" in w.value for w in again.warning)
    [button] = [b for b in again.button if b.label == "Імпортувати"]
    assert button.disabled


def count_batches(sessions) -> int:
    return count(sessions, ImportBatch)


def test_a_later_file_shows_each_change_and_each_rejected_line_before_it_is_committed(app_sessions, operator):
    at = upload(imports_page(operator, "accounts"), "accounts.csv", (SAMPLES / "accounts.csv").read_bytes())
    commit(at)
    at = upload(imports_page(operator, "accounts"), "later.csv", LATER)
    assert metrics(at) == {"Буде додано": "0", "Буде змінено": "2", "Без змін": "0", "Відхилено": "1"}
    reasons, changes = at.dataframe[0].value, at.dataframe[1].value
    assert reasons.to_dict("records") == [
        {"Рядок": 4, "Причина": "Кількість мешканців «три» — не ціле число від 0 до 999."}
    ]
    assert changes.to_dict("records") == [
        {"Рядок": 2, "Запис": "1120200001000", "Зміни": "building: 20 → 22; flat: 1 → 4"},
        {"Рядок": 3, "Запис": "1120200001017", "Зміни": "closed_on: — → 2026-11-26"},
    ]
    commit(at)
    assert [s.value for s in at.success][0].startswith("Імпортовано: додано 0, змінено 2, без змін 0, відхилено 1")
    with app_sessions() as s:
        assert (
            s.scalar(select(Account.address).where(Account.number == "1120200001000"))
            == "вул. Гулака-Артемовського, 22, кв. 4"
        )
        done = (
            s.execute(
                select(AuditLog.action, AuditLog.actor).where(
                    AuditLog.action.in_(("account.updated", "account.closed"))
                )
            )
            .tuples()
            .all()
        )
    assert done == [("account.updated", "operator1"), ("account.closed", "operator1")]
    recent = at.dataframe[-1].value
    assert recent["Змінено"].tolist()[0] == 2


@pytest.mark.parametrize(
    "data, message",
    [
        (b"\x00\x01binary", "Не вдалося прочитати файл"),
        ("лічильник;показання\r\n1;2\r\n".encode(), "У заголовку бракує стовпців"),
    ],
)
def test_a_broken_register_file_gives_a_message_not_a_traceback(app_sessions, operator, data, message):
    at = upload(imports_page(operator, "meters"), "broken.csv", data)
    assert len(at.error) == 1 and at.error[0].value.startswith(message)
    assert not [b for b in at.button if b.label == "Імпортувати"]


def test_the_look_up_says_an_account_is_closed_and_lists_the_audit_rows(app_sessions, operator):
    commit(upload(imports_page(operator, "accounts"), "accounts.csv", (SAMPLES / "accounts.csv").read_bytes()))
    commit(upload(imports_page(operator, "accounts"), "later.csv", LATER))
    at = AppTest.from_file(str(ROOT / "staff_dashboard.py"), default_timeout=30)
    at.session_state["staff_user_id"] = operator
    at.run()
    at.switch_page("pages/staff/lookup.py").run()
    at.text_input[0].input("1120200001017")
    at.button[0].click().run()
    assert not at.exception
    assert [w.value for w in at.warning] == [
        "Рахунок закрито 26.11.2026: історія збережена, нові показання й донарахування — ні."
    ]
    open_tab(at, "lookup_tab", "Журнал дій")
    [closed, _created] = at.dataframe[-1].value.to_dict("records")
    assert (closed["Дія"], closed["Деталі"]) == ("Рахунок закрито", "імпорт № 2; закрито 26.11.2026")


def test_in_english_the_preview_lists_english_changes_and_reasons(app_sessions, operator):
    commit(upload(imports_page(operator, "accounts"), "accounts.csv", (SAMPLES / "accounts.csv").read_bytes()))
    at = AppTest.from_file(str(ROOT / "staff_dashboard.py"), default_timeout=30)
    at.session_state["staff_user_id"] = operator
    at.session_state["staff_lang"] = "en"
    at.run()
    at.switch_page("pages/staff/imports.py").run()
    # the later file also turns the hot water of the first account off: a yes/no change
    later = LATER.replace(b";22;4;2;1;1;", b";22;4;2;1;0;")
    with pinned("en"):  # AppTest formats a kept choice outside the script run: here in the page's language
        at.segmented_control[0].set_value("accounts").run()
        upload(at, "later.csv", later)
    assert at.title[0].value == "File imports" and at.segmented_control[0].value == "accounts"
    reasons, changes = at.dataframe[0].value, at.dataframe[1].value
    assert reasons.to_dict("records") == [{"Line": 4, "Reason": "Residents “три” is not a whole number from 0 to 999."}]
    assert changes.to_dict("records") == [
        {"Line": 2, "Record": "1120200001000", "Changes": "building: 20 → 22; flat: 1 → 4; hot_water: yes → no"},
        {"Line": 3, "Record": "1120200001017", "Changes": "closed_on: — → 2026-11-26"},
    ]
