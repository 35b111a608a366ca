"""In a real browser: a staff member's name, an uploaded file's name and an account's address holding a Markdown
link and a remote image are shown as text, and the browser never asks attacker.invalid for anything."""

from __future__ import annotations

import re

from sqlalchemy import update

from db.engine import make_engine
from db.models import Account, StaffUser
from tests.e2e.conftest import WINDOW_OPEN
from tests.e2e.harness import (
    DESKTOP,
    assert_no_exception,
    copy_database,
    demo_consumer,
    expect_text,
    fill,
    go_to,
    log_in,
    normal,
    open_app,
    running,
    screenshot,
    wait_idle,
)
from ui.plain import WORD_JOINER

ATTACK = "[клік](javascript:alert(7)) ![t](http://attacker.invalid/t.png)"


def shown(locator) -> str:
    """The text a person reads (invisible word joiners, which keep addresses from becoming links, left out)."""
    return normal(locator.inner_text()).replace(WORD_JOINER, "")


def test_stored_and_uploaded_text_is_shown_as_text_and_fetches_nothing(browser, demo_database, tmp_path):
    database = copy_database(demo_database, tmp_path, "plain-text.sqlite3")
    login, number, password = demo_consumer(database)
    engine = make_engine(database)
    with engine.begin() as connection:
        connection.execute(update(StaffUser).where(StaffUser.username == "admin").values(full_name=ATTACK))
        connection.execute(update(Account).where(Account.number == number).values(address=ATTACK))
    engine.dispose()

    context = browser.new_context(viewport=DESKTOP)
    outside: list[str] = []
    context.on("request", lambda request: outside.append(request.url) if "attacker.invalid" in request.url else None)
    page = context.new_page()

    with running("staff_dashboard.py", database, WINDOW_OPEN) as staff:
        open_app(page, staff.url + "/")
        fill(page, "Ім'я користувача", "admin")
        fill(page, "Пароль", "demo-admin-2026")
        page.get_by_role("button", name="Увійти").click()
        expect_text(page, "Огляд")
        assert ATTACK in shown(page.locator("[data-testid='stSidebar']"))

        go_to(page, "Імпорт файлів", "Що імпортуємо")
        name = ATTACK + ".csv"
        page.locator("input[type='file']").set_input_files(
            files=[
                {
                    "name": name,
                    "mimeType": "text/csv",
                    "buffer": f"account_number;service;amount;paid_at;payment_ref\n{number};heating;10,00;2026-11-20;R-1\n".encode(),
                }
            ]
        )
        expect_text(page, "Попередній перегляд")
        uploaded = re.search(r"Імпортувати файл «(.*?)»", shown(page.locator("body")))
        assert uploaded, shown(page.locator("body"))
        assert uploaded.group(1) == ATTACK + ".csv"
        assert_no_exception(page)
        screenshot(page, "plain-text-staff")

    with running("public_app.py", database, WINDOW_OPEN) as public:
        log_in(page, public.url, login, password)
        go_to(page, "Оплата", "Без комісії.")
        wait_idle(page)
        assert ATTACK in shown(page.locator("[data-testid='stMain']"))
        screenshot(page, "plain-text-consumer")

    links = page.locator("img[src*='attacker'], a[href*='attacker'], a[href^='javascript']")
    assert links.count() == 0, [links.nth(i).evaluate("e => e.parentElement.outerHTML") for i in range(links.count())]
    assert outside == []
    context.close()
