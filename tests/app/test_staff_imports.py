"""The import page and the conflicts page through AppTest: truncated files, year-1 dates, conflicts resolved."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.staff import create_staff_user
from db.models import Account, AuditLog, ImportConflict, Payment, RegistryMatch
from tests.app.conftest import ROOT
from tests.app.test_staff_pages import PASSWORD, signed_in, text
from tests.app.test_staff_register_import import metrics
from tests.conftest import kyiv
from ui.staff_text import pinned

SEED, OTHER = "1120200001000", "1120200002000"
BANK = "account_number;service;paid_at;payment_ref;amount\r\n"
CYRILLIC = re.compile(r"[А-Яа-яЄєІіЇїҐґ]")


@pytest.fixture
def operator(app_world):
    app_world.account(SEED)
    other = app_world.account(OTHER, address="просп. Волі, 3, кв. 9")
    return create_staff_user(app_world.sessions, "operator1", PASSWORD, "operator").id, other


def upload(at, name: str, data: bytes):
    at.file_uploader[0].set_value((name, data, "text/csv"))
    return at.run()


def test_a_truncated_registry_is_previewed_with_the_cut_row_rejected_and_what_to_do(operator):
    user, _other = operator
    at = signed_in(user, "pages/staff/imports.py")
    cut = (BANK + f"{SEED};heating;2026-11-10 10:15;PB-1;1866,66\r\n{OTHER};heating;2026-11-10 10:20;PB-2;15").encode()
    upload(at, "registry.csv", cut)
    assert not at.exception
    page = text(at)
    assert "У файлі рядків даних: **2**, на суму **1\u00a0881,66\u00a0₴**" in page
    assert "файл, схоже, обрізано" in page and "Попросіть у відправника повний файл" in page
    rejected = at.dataframe[0].value
    assert rejected["Рядок"].tolist() == [3] and "Рядок 3" in rejected["Причина"][0]
    assert metrics(at)["Буде додано"] == "1"


def test_a_year_one_date_is_a_rejected_row_not_a_traceback(operator):
    user, _other = operator
    at = signed_in(user, "pages/staff/imports.py")
    data = (
        BANK + f"{SEED};heating;0001-01-01;Y-1;100,00\r\n{SEED};heating;01.01.0001 00:30;Y-2;100,00\r\n"
        f"{SEED};heating;2026-11-10;Y-3;100,00\r\n"
    ).encode()
    upload(at, "old.csv", data)
    assert not at.exception and not at.error
    assert at.dataframe[0].value["Рядок"].tolist() == [2, 3]
    assert metrics(at)["Буде додано"] == "1"


def meter_read_at_150(app_world) -> None:
    """The seed account's meter 0812345, read 150,000 m³ on 02.11.2026 in October's window; November's is open."""
    with app_world.sessions() as s:
        seed = s.scalar(select(Account.id).where(Account.number == SEED))
    meter = app_world.meter(seed, "0812345", initial="100.000")
    october = app_world.window(dt.date(2026, 10, 1))
    app_world.window(dt.date(2026, 11, 1))
    app_world.reading(meter, october, "150.000", kyiv(2026, 11, 2, 10), consumption="2.000")


def test_a_water_utility_reading_below_the_previous_one_is_reported_in_the_operators_words(operator, app_world):
    user, _other = operator
    meter_read_at_150(app_world)
    at = signed_in(user, "pages/staff/imports.py")
    at.segmented_control[0].set_value("readings").run()
    readings = "meter_serial;value;read_at;ref\r\n0812345;149,000;2026-11-26 11:30;VK-3\r\n"
    upload(at, "vodokanal.csv", readings.encode())
    assert not at.exception
    rejected = at.dataframe[0].value
    assert rejected["Рядок"].tolist() == [2]
    reason = rejected["Причина"][0]
    assert "Рядок 2" in reason and "лічильника 0812345" in reason and "150,000 від 02.11.2026" in reason
    assert "Перевірте цифри на лічильнику" not in reason


def test_settling_a_reading_conflict_below_the_previous_reading_is_refused_in_the_operators_words(operator, app_world):
    user, _other = operator
    meter_read_at_150(app_world)
    from core import imports

    header = "meter_serial;value;read_at;ref\r\n"
    imports.commit(
        app_world.sessions,
        "readings",
        "a.csv",
        (header + "0812345;151,000;2026-11-26 11:30;VK-3\r\n").encode(),
        actor="op",
    )
    imports.commit(
        app_world.sessions,
        "readings",
        "b.csv",
        (header + "0812345;149,000;2026-11-26 11:30;VK-3\r\n").encode(),
        actor="op",
    )
    at = signed_in(user, "pages/staff/conflicts.py")
    assert at.dataframe[0].value["Запис"].tolist() == ["показання № VK-3"]
    at.checkbox[0].check()
    [b for b in at.button if b.label == "Виправити за файлом"][0].click().run()
    assert not at.exception
    [error] = [e.value for e in at.error]
    assert error.startswith(
        "Рядок 2: показання 149,000 лічильника 0812345 менше за попереднє — 150,000 від 02.11.2026."
    )
    assert "Перевірте цифри на лічильнику" not in error
    assert at.dataframe[0].value["Запис"].tolist() == ["показання № VK-3"]  # still open, nothing written


def test_a_conflict_is_listed_in_the_preview_and_resolved_on_its_page(operator, app_sessions):
    user, other = operator
    with app_sessions.begin() as s:  # what an older import of the cut registry stored
        s.add(
            Payment(
                account_id=other,
                service="heating",
                amount=Decimal("15.00"),
                paid_at=kyiv(2026, 11, 10, 10, 20),
                channel="bank",
                source="bank_registry",
                external_ref="PB-2",
            )
        )
    at = signed_in(user, "pages/staff/imports.py")
    upload(at, "registry.csv", (BANK + f"{OTHER};heating;2026-11-10 10:20;PB-2;1500,00\r\n").encode())
    assert metrics(at)["Конфлікти"] == "1"
    assert metrics(at)["Дублікати (пропущено)"] == "0"
    listed = at.dataframe[0].value
    assert listed["Запис"].tolist() == ["платіж № PB-2"]
    assert listed["Відмінності (збережено → у файлі)"][0] == "сума: 15,00\u00a0₴ → 1\u00a0500,00\u00a0₴"
    [b for b in at.button if b.label == "Імпортувати"][0].click().run()
    assert "конфліктів 1" in text(at)

    at.switch_page("pages/staff/conflicts.py").run()
    assert not at.exception and "Конфлікти імпорту" in [t.value for t in at.title]
    assert at.dataframe[0].value["Запис"].tolist() == ["платіж № PB-2"]
    [b for b in at.button if b.label == "Виправити за файлом"][0].click().run()
    assert "Підтвердіть, що значення у файлі правильні." in [e.value for e in at.error]
    at.checkbox[0].check()
    [b for b in at.button if b.label == "Виправити за файлом"][0].click().run()
    assert not at.exception
    assert "Відкритих конфліктів немає." in text(at) and "розв'язано" in text(at)
    with app_sessions() as s:
        amounts = s.scalars(select(Payment.amount).where(Payment.account_id == other).order_by(Payment.id)).all()
        audited = s.scalar(select(AuditLog.actor).where(AuditLog.action == "import.conflict_resolved"))
    assert amounts == [Decimal("15.00"), Decimal("-15.00"), Decimal("1500.00")] and audited == "operator1"


def terminal_payment_then_bank_file(app_sessions, other) -> None:
    """PB-2 stored as 15,00 ₴ paid through a terminal; the bank's file says 1 500,00 ₴ through the bank."""
    from core import imports

    with app_sessions.begin() as s:
        s.add(
            Payment(
                account_id=other,
                service="heating",
                amount=Decimal("15.00"),
                paid_at=kyiv(2026, 11, 10, 10, 20),
                channel="terminal",
                source="bank_registry",
                external_ref="PB-2",
            )
        )
    row = f"account_number;service;paid_at;payment_ref;amount;channel\r\n{OTHER};heating;2026-11-10 10:20;PB-2;1500;bank\r\n"
    imports.commit(app_sessions, "bank", "registry.csv", row.encode(), actor="op")


def compared(at) -> list[tuple[str, str, str]]:
    """The chosen conflict's field-by-field table: (field, stored, in the file)."""
    return [tuple(row) for row in at.dataframe[1].value.itertuples(index=False)]


def test_a_payment_conflict_compares_every_field_in_words_and_the_fix_takes_the_files_channel(operator, app_sessions):
    user, other = operator
    terminal_payment_then_bank_file(app_sessions, other)
    at = signed_in(user, "pages/staff/conflicts.py")
    assert compared(at) == [
        ("рахунок", OTHER, OTHER),
        ("послуга", "Опалення", "Опалення"),
        ("сума", "15,00\u00a0₴", "1\u00a0500,00\u00a0₴"),
        ("дата", "10.11.2026 10:20", "10.11.2026 10:20"),
        ("канал", "Термінал", "Банк"),
    ]
    assert "канал: Термінал → Банк" in at.dataframe[0].value["Відмінності (збережено → у файлі)"][0]
    at.checkbox[0].check()
    [b for b in at.button if b.label == "Виправити за файлом"][0].click().run()
    assert not at.exception
    with app_sessions() as s:
        fixed = s.scalars(select(Payment.channel).where(Payment.external_ref.like("PB-2#fix%"))).all()
    assert fixed == ["bank"]


def test_in_english_a_payment_conflict_compares_every_field_in_english(operator, app_sessions):
    user, other = operator
    terminal_payment_then_bank_file(app_sessions, other)
    at = signed_in(user)
    at.session_state["staff_lang"] = "en"
    at.run()
    at.switch_page("pages/staff/conflicts.py").run()
    assert compared(at) == [
        ("account", OTHER, OTHER),
        ("service", "Heating", "Heating"),
        ("amount", "15.00\u00a0₴", "1,500.00\u00a0₴"),
        ("date", "10.11.2026 10:20", "10.11.2026 10:20"),
        ("channel", "Terminal", "Bank"),
    ]


def test_a_cabinet_payment_the_registry_confirmed_says_its_channel_was_not_recorded(operator, app_world):
    """A registry row matched to a cabinet payment keeps no channel of its own: the stored side says so."""
    from core import imports

    user, other = operator
    with app_world.sessions.begin() as s:  # what a registry row of a payment the provider's callback credited leaves
        s.add(
            RegistryMatch(
                source="bank_registry",
                external_ref="PB-2",
                account_id=other,
                service="heating",
                amount=Decimal("15.00"),
                paid_at=kyiv(2026, 11, 10, 10, 20),
                outcome="duplicate",
                created_at=kyiv(2026, 11, 10, 12),
            )
        )
    imports.commit(
        app_world.sessions,
        "bank",
        "b.csv",
        (BANK + f"{OTHER};heating;2026-11-10 10:20;PB-2;1500\r\n").encode(),
        actor="op",
    )
    at = signed_in(user, "pages/staff/conflicts.py")
    assert compared(at)[-1] == ("канал", "не записано", "Банк")
    assert "канал" not in at.dataframe[0].value["Відмінності (збережено → у файлі)"][0]


CHARGES = "account_number;service;month;volume;tariff;amount;discount_percent;amount_to_pay\r\n"


def charge_conflict(app_world) -> None:
    """November's hot water of the seed account stored as 30,00 (a cut file), then the billing's 300,00."""
    from core import imports

    row = SEED + ";hot_water;2026-11;1,000;1,00;{0};0;{0}\r\n"
    imports.commit(app_world.sessions, "charges", "cut.csv", (CHARGES + row.format("30,00")).encode(), actor="op")
    imports.commit(app_world.sessions, "charges", "whole.csv", (CHARGES + row.format("300,00")).encode(), actor="op")


def test_a_charge_conflict_names_its_account_service_and_month_in_words(operator, app_world):
    user, _other = operator
    charge_conflict(app_world)
    at = signed_in(user, "pages/staff/conflicts.py")
    record = f"рахунок {SEED}, гаряча вода, листопад 2026"
    assert at.dataframe[0].value["Запис"].tolist() == [record]
    assert at.selectbox[0].options == [f"№ 1 · Нарахування · {record}"]
    assert "hot_water" not in str(at.dataframe[0].value.to_dict()) + " ".join(at.selectbox[0].options)
    assert "чий запис (платіж за номером; нарахування за рахунком" in text(at)  # one term, as the column's
    assert "ключ" not in text(at)
    assert not at.exception


def test_a_charge_conflict_and_a_reading_conflict_compare_their_fields_in_words(operator, app_world):
    from core import imports

    user, _other = operator
    charge_conflict(app_world)
    at = signed_in(user, "pages/staff/conflicts.py")
    assert compared(at) == [
        ("обсяг", "1,000", "1,000"),
        ("тариф", "1,00\u00a0₴", "1,00\u00a0₴"),
        ("сума", "30,00\u00a0₴", "300,00\u00a0₴"),
        ("знижка, %", "0\u00a0%", "0\u00a0%"),
        ("до сплати", "30,00\u00a0₴", "300,00\u00a0₴"),
    ]

    meter_read_at_150(app_world)
    header = "meter_serial;value;read_at;ref\r\n"
    for name, row in (
        ("a.csv", "0812345;151,000;2026-11-26 11:30;VK-3"),
        ("b.csv", "0812345;152,5;2026-11-26 11:30;VK-3"),
    ):
        imports.commit(app_world.sessions, "readings", name, (header + row + "\r\n").encode(), actor="op")
    at.run()
    at.selectbox[0].select_index(0).run()  # the newest first: the reading
    assert compared(at) == [
        ("лічильник", "0812345", "0812345"),
        ("показання", "151,000\u00a0м³", "152,500\u00a0м³"),
        ("дата", "26.11.2026 11:30", "26.11.2026 11:30"),
    ]
    assert not at.exception


def test_in_english_a_charge_conflict_reads_in_english(operator, app_world):
    user, _other = operator
    charge_conflict(app_world)
    at = signed_in(user)
    at.session_state["staff_lang"] = "en"
    at.run()
    at.switch_page("pages/staff/conflicts.py").run()
    record = f"account {SEED}, hot water, November 2026"
    assert at.dataframe[0].value["Record"].tolist() == [record]
    assert at.selectbox[0].options == [f"№ 1 · Charges · {record}"]
    assert "whose record (a payment by its number;" in text(at) and " key" not in text(at)
    assert not at.exception


def test_a_charge_repeated_in_one_file_with_other_values_is_named_in_words(operator):
    user, _other = operator
    at = signed_in(user, "pages/staff/imports.py")
    at.segmented_control[0].set_value("charges").run()
    row = SEED + ";hot_water;2026-11;1,000;1,00;{0};0;{0}\r\n"
    upload(at, "billing.csv", (CHARGES + row.format("30,00") + row.format("300,00")).encode())
    assert not at.exception
    rejected = at.dataframe[0].value
    assert rejected["Рядок"].tolist() == [3]
    reason = rejected["Причина"][0]
    assert reason.endswith(
        f"Запис «рахунок {SEED}, гаряча вода, листопад 2026» уже є в рядку 2 цього файлу з іншими значеннями."
    )
    assert "hot_water" not in reason and "2026-11" not in reason


def test_in_english_a_repeated_charge_is_named_in_english(operator):
    user, _other = operator
    at = signed_in(user)
    at.session_state["staff_lang"] = "en"
    at.run()
    at.switch_page("pages/staff/imports.py").run()
    row = SEED + ";hot_water;2026-11;1,000;1,00;{0};0;{0}\r\n"
    with pinned("en"):  # AppTest formats a kept choice outside the script run: here in the page's language
        at.segmented_control[0].set_value("charges").run()
        upload(at, "billing.csv", (CHARGES + row.format("30,00") + row.format("300,00")).encode())
    assert not at.exception
    reason = at.dataframe[0].value["Reason"][0]
    assert reason.endswith(
        f"Record “account {SEED}, hot water, November 2026” already appears on line 2 of this file with different values."
    )


def test_a_dismissal_needs_a_reason(operator, app_sessions):
    user, other = operator
    with app_sessions.begin() as s:
        s.add(
            Payment(
                account_id=other,
                service="heating",
                amount=Decimal("15.00"),
                paid_at=kyiv(2026, 11, 10, 10, 20),
                channel="bank",
                source="bank_registry",
                external_ref="PB-2",
            )
        )
    at = signed_in(user, "pages/staff/imports.py")
    upload(at, "registry.csv", (BANK + f"{OTHER};heating;2026-11-10 10:20;PB-2;1500,00\r\n").encode())
    [b for b in at.button if b.label == "Імпортувати"][0].click().run()
    at.switch_page("pages/staff/conflicts.py").run()
    [b for b in at.button if b.label == "Відхилити"][0].click().run()
    assert "Поясніть, чому файл помиляється, а збережений запис правильний." in [e.value for e in at.error]
    at.text_input[0].input("банк підтвердив 15,00")
    [b for b in at.button if b.label == "Відхилити"][0].click().run()
    with app_sessions() as s:
        assert s.scalar(select(ImportConflict.status)) == "dismissed"
        assert s.scalar(select(func.sum(Payment.amount))) == Decimal("15.00")


def test_in_english_a_rejected_row_gives_its_reason_in_english(operator):
    user, _other = operator
    at = signed_in(user)
    at.session_state["staff_lang"] = "en"
    at.run()
    at.switch_page("pages/staff/imports.py").run()
    data = (
        BANK + f"{SEED};heating;0001-01-01;Y-1;100,00\r\n{SEED};heating;2026-11-10;Y-2;-5,00\r\n"
        f"9999999999999;heating;2026-11-10;Y-3;100,00\r\n"
    ).encode()
    upload(at, "old.csv", data)
    assert not at.exception and not at.error
    rejected = at.dataframe[0].value
    assert rejected["Line"].tolist() == [2, 3, 4]
    assert rejected["Reason"].tolist() == [
        "Date “0001-01-01” is outside the accepted range (from 2000 to tomorrow).",
        "Amount -5,00 must be greater than zero.",
        "Account 9999999999999 not found.",
    ]
    assert not CYRILLIC.search(text(at)), text(at)


def test_the_import_button_commits_the_previewed_file_without_previewing_it_again(operator, app_sessions, monkeypatch):
    """A city's registry takes seconds to preview; the click on «Імпортувати» reruns the page, which used to preview
    the whole file again before committing it. After the commit the file is previewed anew (nothing left to add)."""
    from core import imports

    user, _other = operator
    previewed: list[str] = []
    real_preview = imports.preview

    def counted(sessions, kind, file_name, data, *args, **kwargs):
        previewed.append(file_name)
        return real_preview(sessions, kind, file_name, data, *args, **kwargs)

    monkeypatch.setattr(imports, "preview", counted)
    at = signed_in(user, "pages/staff/imports.py")
    upload(at, "day.csv", (BANK + f"{SEED};heating;2026-11-10 10:15;KP-1;1866,66\r\n").encode())
    assert previewed == ["day.csv"] and metrics(at)["Буде додано"] == "1"
    assert "Імпортувати файл «day.csv»: рядків до додавання — 1." in text(at)  # no "1 рядків"
    at.run()  # any other rerun of the page with the same file
    assert previewed == ["day.csv"]

    [b for b in at.button if b.label == "Імпортувати"][0].click().run()
    assert not at.exception and "Імпортовано: додано 1" in text(at)
    assert previewed == ["day.csv"]  # committed without a second preview
    with app_sessions() as s:
        assert s.scalar(select(func.count()).select_from(Payment).where(Payment.external_ref == "KP-1")) == 1

    at.run()  # the data changed: the same file is previewed again and has nothing left to add
    assert previewed == ["day.csv", "day.csv"]
    assert "Цей самий файл уже імпортовано" in text(at)
    assert metrics(at)["Буде додано"] == "0"
    upload(at, "next-day.csv", (BANK + f"{SEED};heating;2026-11-11 09:00;KP-2;100,00\r\n").encode())
    assert previewed[-1] == "next-day.csv" and metrics(at)["Буде додано"] == "1"


def test_a_key_repeated_with_other_values_is_a_rejected_row_and_the_rest_can_be_imported(operator):
    user, _other = operator
    at = signed_in(user, "pages/staff/imports.py")
    data = (
        BANK + f"{SEED};heating;2026-11-10 10:15;RP-1;100,00\r\n{SEED};heating;2026-11-10 10:15;RP-1;200,00\r\n"
        f"{OTHER};heating;2026-11-10 10:20;RP-2;50,00\r\n"
    ).encode()
    upload(at, "twice.csv", data)
    assert not at.exception and not at.error
    rejected = at.dataframe[0].value
    assert rejected["Рядок"].tolist() == [3]
    assert rejected["Причина"][0].endswith("Запис «платіж № RP-1» уже є в рядку 2 цього файлу з іншими значеннями.")
    assert metrics(at)["Буде додано"] == "2"
    [b for b in at.button if b.label == "Імпортувати"][0].click().run()
    assert not at.exception and "Імпортовано: додано 2" in text(at)


def test_payments_larger_than_the_cabinet_takes_are_listed_before_the_import(operator):
    user, _other = operator
    at = signed_in(user, "pages/staff/imports.py")
    data = (
        BANK
        + f"{SEED};heating;2026-11-10 10:15;BIG-1;99 999 999,99\r\n{SEED};heating;2026-11-10 10:16;OK-1;1866,66\r\n"
        f"{OTHER};heating;2026-11-10 10:20;BIG-2;100000,01\r\n{OTHER};heating;2026-11-10 10:21;OK-2;100000,00\r\n"
    ).encode()
    upload(at, "big.csv", data)
    assert not at.exception
    [warning] = [w.value for w in at.warning]
    assert "Платежів, більших за 100\u00a0000,00\u00a0₴ (найбільший платіж через кабінет): 2." in warning
    assert warning.endswith("рядок 2: 99\u00a0999\u00a0999,99\u00a0₴; рядок 4: 100\u00a0000,01\u00a0₴")
    assert metrics(at)["Буде додано"] == "4"  # listed, not refused: the bank took the money


def test_a_click_on_the_chosen_kind_keeps_it_chosen(operator):
    user, _other = operator
    at = signed_in(user, "pages/staff/imports.py")
    at.segmented_control[0].set_value("charges").run()
    at.segmented_control[0].set_value(None).run()  # what a click on the lit «Нарахування» sends
    assert at.segmented_control[0].value == "charges" and not at.exception


@pytest.mark.parametrize(
    ("kind", "sample", "said"),
    [
        ("charges", "charges.csv", "нараховано"),
        ("readings", "water_utility_readings.csv", "сума показань"),
    ],
)
def test_a_files_total_is_checked_against_what_its_sender_gives(operator, kind, sample, said):
    """Only a bank registry is set against the bank's statement; the others against their own sender's figure."""
    user, _other = operator
    at = signed_in(user, "pages/staff/imports.py")
    at.segmented_control[0].set_value(kind).run()
    upload(at, sample, (ROOT / "data" / "samples" / sample).read_bytes())
    assert not at.exception
    assert said in text(at) and "випискою банку" not in text(at)


def test_the_uploader_states_and_enforces_the_imports_own_size_limit(operator):
    """The browser refuses a file the import would refuse anyway, and the uploader says «до 50 МБ», not
    Streamlit's 200 MB: an operator never waits for a 120 MB upload to be told it is too large."""
    from core.import_parsing import MAX_BYTES

    user, _other = operator
    at = signed_in(user, "pages/staff/imports.py")
    assert at.file_uploader[0].proto.max_upload_size_mb * 2**20 == MAX_BYTES == 50 * 2**20
