"""The look-up's «Журнал дій» tab speaks the staff member's language: each action named in words, who did it, what
it concerns (a linked cabinet login's own events marked «логін …»), the details as a short line with amounts in ₴
and times in Kyiv; an action written by a later version still reads as something. Its «Кабінет» tab names how each
login proved the account, in words."""

from __future__ import annotations

from core import audit
from core.staff import create_staff_user
from tests.app.conftest import open_tab
from tests.app.test_staff_language import switch
from tests.app.test_staff_pages import signed_in
from tests.conftest import kyiv
from tests.integration.test_dashboard import C
from tests.integration.test_lookup_journal import LOGIN, two_flats
from ui.staff_text import pinned


def account_tab(app_world, tab: str, lang: str = "uk") -> list[dict]:
    """The rows of the table on tab `tab` of account C's card, as an operator sees them in `lang`."""
    operator = create_staff_user(app_world.sessions, "operator1", "staff-pass-2026", "operator").id
    at = signed_in(operator, "pages/staff/lookup.py")
    at.text_input[0].input(C)
    at.button[0].click().run()
    open_tab(at, "lookup_tab", tab)
    if lang == "en":
        switch(at, "en")
    with pinned(lang):
        assert not at.exception
        return at.dataframe[0].value.to_dict("records")


def journal(app_world, lang: str = "uk") -> list[dict]:
    return account_tab(app_world, "Журнал дій", lang)


def test_the_journal_names_each_action_and_marks_the_login_s_events(app_world):
    two_flats(app_world)
    rows = journal(app_world)
    assert [(row["Дія"], row["Стосується"]) for row in rows] == [
        ("Невдала перевірка рахунку (реєстрація чи відновлення пароля)", "перевірка рахунку"),
        ("Невдала спроба входу", f"логін {LOGIN}"),
        ("Пароль змінено", f"логін {LOGIN}"),
        ("Оплату підготовлено", rows[3]["Стосується"]),
        ("Рахунок додано до кабінету", "рахунок"),
        ("Реєстрація в кабінеті", f"логін {LOGIN}"),
    ]
    failed, changed, prepared = rows[1], rows[2], rows[3]
    assert (failed["Хто"], failed["Деталі"]) == ("без входу", f"введено: {LOGIN}")
    assert (changed["Час"], changed["Хто"]) == ("27.11.2026 11:00", f"споживач {LOGIN}")
    assert prepared["Стосується"].startswith("оплата TC-20261127-")
    assert prepared["Деталі"] == f"рахунок {C}; Опалення; 700,00\xa0₴; сервіс liqpay"
    assert rows[5]["Деталі"] == "підтверджено сумою останньої оплати"


def test_the_journal_in_english(app_world):
    two_flats(app_world)
    rows = journal(app_world, "en")
    assert [(row["Action"], row["Concerns"]) for row in rows][1:4] == [
        ("Failed sign-in", f"login {LOGIN}"),
        ("Password changed", f"login {LOGIN}"),
        ("Payment prepared", rows[3]["Concerns"]),
    ]
    assert rows[3]["Details"] == f"account {C}; Heating; 700.00\xa0₴; provider liqpay"


def test_an_action_of_a_later_version_reads_as_an_action_not_a_traceback(app_world):
    two_flats(app_world)
    with app_world.sessions.begin() as s:
        audit.staff_action(s, "operator1", "account.sealed", "account", C, at=kyiv(2026, 11, 27, 12), seal={"a": [1]})
    [newest, *_] = journal(app_world)
    assert (newest["Дія"], newest["Деталі"]) == ("Інша дія (account.sealed)", "seal: a: 1")


def test_the_cabinet_tab_names_how_the_login_proved_the_account(app_world):
    two_flats(app_world)
    [row] = account_tab(app_world, "Кабінет", "en")
    assert (row["Login"], row["Method"]) == (LOGIN, "Last payment's amount")


def test_the_cabinet_tab_in_ukrainian(app_world):
    two_flats(app_world)
    [row] = account_tab(app_world, "Кабінет")
    assert (row["Логін"], row["Спосіб"]) == (LOGIN, "Сума останньої оплати")
