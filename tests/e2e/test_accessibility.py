"""In a real browser at phone width: every consumer screen, in Ukrainian and in English, passes axe-core's WCAG 2.0
and 2.1 A/AA rules with no violation, declares the language it is written in (<html lang>), and reads no
Streamlit English to a Ukrainian consumer (the form hint, the skip link, icon names, the table toolbar...).

axe-core comes from npm (tests/e2e/package.json, installed by `.ci/run` with `npm ci`); without it the axe checks
skip with the reason, or fail when TEPLO_REQUIRE_BROWSER is set."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from core.i18n import LANGUAGE_COOKIE
from tests.e2e.conftest import WINDOW_OPEN
from tests.e2e.harness import (
    PHONE,
    consumer_login_click,
    copy_database,
    demo_consumer,
    expect,
    expect_text,
    fill,
    log_in,
    open_app,
    running,
    screenshot,
    wait_idle,
    wait_until,
)

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Screens a signed-out visitor sees and those of a signed-in consumer: (url path, a text only that screen shows).
VISITOR = {
    "login": ("/login", {"uk": "Вхід до кабінету", "en": "Log in to the cabinet"}),
    "register": ("/register", {"uk": "Як підтвердити рахунок", "en": "How to prove the account"}),
    "reset-password": ("/reset-password", {"uk": "Відновлення пароля", "en": "Reset the password"}),
}
CONSUMER = {
    "account": ("/account", {"uk": "Нараховано і сплачено по місяцях", "en": "Charged and paid by month"}),
    "readings": ("/readings", {"uk": "Показання лічильників", "en": "Meter readings"}),
    "pay": ("/pay", {"uk": "Ваші оплати через кабінет", "en": "Your payments through the cabinet"}),
    "profile": ("/profile", {"uk": "Змінити пароль", "en": "Change the password"}),
    "add-account": ("/add-account", {"uk": "Як підтвердити рахунок", "en": "How to prove the account"}),
    "pay-result": ("/pay-result?order={order}", {"uk": "Результат оплати", "en": "Payment result"}),
}
LANGUAGE_BUTTON = {"uk": "УКР", "en": "ENG"}

# Streamlit's own English that a Ukrainian consumer used to meet: visible text, aria-labels and titles.
STREAMLIT_ENGLISH = re.compile(
    r"Press Enter|Skip to main content|Running\.\.\.|Running…|\bStop\b|Made with Streamlit|Record a screencast|"
    r"Record screen|\bPrint\b|\bicon\b|Help for|Show password|Hide password|Download as CSV|Fullscreen|"
    r"Page not found|\bSearch\b|Main menu",
)


def require_axe() -> None:
    if AXE.exists():
        return
    reason = f"axe-core is not installed ({AXE} missing: run `npm ci --no-audit --no-fund` in tests/e2e)"
    if os.environ.get("TEPLO_REQUIRE_BROWSER"):
        pytest.fail(f"TEPLO_REQUIRE_BROWSER is set but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def database(demo_database, tmp_path_factory):
    return copy_database(demo_database, tmp_path_factory.mktemp("a11y"), "a11y.sqlite3")


@pytest.fixture(scope="module")
def public(database):
    with running("public_app.py", database, WINDOW_OPEN) as server:
        yield server


def new_phone(browser):
    context = browser.new_context(viewport=PHONE, locale="uk-UA")
    return context, context.new_page()


@pytest.fixture(scope="module")
def visitor(browser, public):
    context, page = new_phone(browser)
    yield page
    context.close()


@pytest.fixture(scope="module")
def consumer(browser, public, database):
    context, page = new_phone(browser)
    login, _number, password = demo_consumer(database)
    log_in(page, public.url, login, password)
    page.order = paid_order(database, login)  # for the payment's result page
    yield page
    context.close()


def saved_language(database_url: str, login: str, language: str) -> None:
    """The login's own language, which a login adopts when the tab has chosen none, set as a test needs it."""
    from sqlalchemy import update

    from db.engine import make_engine
    from db.models import ConsumerLogin

    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(update(ConsumerLogin).where(ConsumerLogin.login == login).values(language=language))
    finally:
        engine.dispose()


def paid_order(database_url: str, login: str) -> str:
    """A payment of the consumer settled through the demo provider, as the cabinet's Pay button makes one."""
    from datetime import datetime
    from unittest import mock

    from sqlalchemy import select

    from core import clock, payment_providers, payments
    from db.engine import make_engine, make_sessions
    from db.models import Account, ConsumerAccountLink, ConsumerLogin

    engine = make_engine(database_url)
    try:
        sessions = make_sessions(engine)
        with sessions() as session:
            login_id, account_id, heating = session.execute(
                select(ConsumerLogin.id, Account.id, Account.has_heating)
                .join(ConsumerAccountLink, ConsumerAccountLink.login_id == ConsumerLogin.id)
                .join(Account, Account.id == ConsumerAccountLink.account_id)
                .where(ConsumerLogin.login == login)
                .limit(1)
            ).one()
        now = datetime.fromisoformat(WINDOW_OPEN).replace(tzinfo=clock.KYIV)
        with mock.patch.dict(os.environ, {"TEPLO_DEMO": "1"}):
            intent = payments.create_intent(
                sessions,
                login_id,
                account_id,
                "heating" if heating else "hot_water",
                "100,00",
                provider="demo",
                now=now,
            )
            payments.demo_settle(
                sessions, login_id, intent.order_id, True, payment_providers.PaymentSettings.load(), now=now
            )
    finally:
        engine.dispose()
    return intent.order_id


def choose_language(page, lang: str) -> None:
    button = page.get_by_role("radio", name=LANGUAGE_BUTTON[lang], exact=True)
    if button.get_attribute("aria-checked") != "true":
        button.click()
        expect(button).to_have_attribute("aria-checked", "true")
        wait_idle(page)


def open_screen(page, base_url: str, screens: dict, screen: str, lang: str) -> None:
    path, marker = screens[screen]
    open_app(page, base_url + path.format(order=getattr(page, "order", "")))
    choose_language(page, lang)
    expect_text(page, marker[lang])


def axe_violations(page) -> list[dict]:
    require_axe()
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations.map(v => ({
               id: v.id, impact: v.impact, help: v.help,
               nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}))""",
        AXE_TAGS,
    )


def streamlit_english(page) -> list[str]:
    """Every English phrase of Streamlit's own the page shows or reads aloud (text, aria-label, title, alt)."""
    found = page.evaluate(
        """() => {
            const out = [];
            const visible = el => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
            for (const el of document.querySelectorAll('body *')) {
                for (const attribute of ['aria-label', 'title', 'alt', 'placeholder'])
                    if (el.getAttribute(attribute)) out.push(el.getAttribute(attribute));
                if (!['SCRIPT', 'STYLE'].includes(el.tagName))
                    for (const node of el.childNodes)
                        if (node.nodeType === 3 && node.textContent.trim()) out.push(node.textContent.trim());
            }
            return out;
        }"""
    )
    return sorted({text for text in found if STREAMLIT_ENGLISH.search(text)})


def faint_captions(page) -> list[str]:
    """Captions whose text, drawn with its opacity over the page, is below 4.5:1 (axe-core leaves text under
    opacity to a person: "incomplete", not a violation)."""
    return page.evaluate(
        """() => {
            const rgb = value => value.match(/[\\d.]+/g).slice(0, 3).map(Number);
            const luminance = ([r, g, b]) => [r, g, b].map(c => c / 255)
                .map(c => c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)
                .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
            const background = rgb(getComputedStyle(document.querySelector("[data-testid='stApp']")).backgroundColor);
            const out = [];
            for (const caption of document.querySelectorAll("[data-testid='stCaptionContainer']")) {
                let opacity = 1;
                for (let el = caption; el; el = el.parentElement) opacity *= Number(getComputedStyle(el).opacity);
                const color = rgb(getComputedStyle(caption).color)
                    .map((c, i) => c * opacity + background[i] * (1 - opacity));
                const [light, dark] = [luminance(color), luminance(background)].sort((a, b) => b - a);
                const ratio = (light + 0.05) / (dark + 0.05);
                if (ratio < 4.5) out.push(`${ratio.toFixed(2)}: ${caption.innerText.slice(0, 60)}`);
            }
            return out;
        }"""
    )


def check_screen(page, name: str, lang: str) -> None:
    """Every problem of the screen at once: its declared language, axe-core's violations, Streamlit's English."""
    screenshot(page, f"a11y-{name}-{lang}")
    problems = []
    declared = page.evaluate("() => document.documentElement.lang")
    if declared != lang:
        problems.append(f"<html lang={declared!r}> on a page in {lang!r}")
    violations = axe_violations(page)
    if violations:
        problems.append(
            f"{len(violations)} axe-core violations: " + json.dumps(violations, ensure_ascii=False, indent=1)
        )
    faint = faint_captions(page)
    if faint:
        problems.append(f"captions below 4.5:1: {faint}")
    english = streamlit_english(page) if lang == "uk" else []
    if english:
        problems.append(f"English on the Ukrainian screen: {english}")
    assert not problems, f"{name} ({lang}):\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", ["uk", "en"])
@pytest.mark.parametrize("screen", list(VISITOR))
def test_visitor_screens(visitor, public, screen, lang):
    open_screen(visitor, public.url, VISITOR, screen, lang)
    check_screen(visitor, screen, lang)


@pytest.mark.parametrize("lang", ["uk", "en"])
@pytest.mark.parametrize("screen", list(CONSUMER))
def test_consumer_screens(consumer, public, screen, lang):
    open_screen(consumer, public.url, CONSUMER, screen, lang)
    check_screen(consumer, screen, lang)


# Screens after a step: an error under the login form, a payment prepared on the Pay page.
LOGIN_LABELS = {
    "uk": ("Телефон або e-mail", "Пароль", "Увійти", "Невірний логін або пароль."),
    "en": ("Phone or e-mail", "Password", "Log in", "Wrong login or password."),
}
PAY_LABELS = {"uk": ("Перейти до оплати", "Номер платежу"), "en": ("Continue to payment", "Payment number")}


@pytest.mark.parametrize("lang", ["uk", "en"])
def test_a_failed_login(visitor, public, lang):
    open_screen(visitor, public.url, VISITOR, "login", lang)
    login, password, button, failed = LOGIN_LABELS[lang]
    visitor.get_by_label(login, exact=True).fill("+380670000000")
    visitor.get_by_label(password, exact=True).fill("not-the-password")
    visitor.get_by_role("button", name=button, exact=True).click()
    expect_text(visitor, failed)
    check_screen(visitor, "login-failed", lang)


@pytest.mark.parametrize("lang", ["uk", "en"])
def test_a_prepared_payment(consumer, public, lang):
    open_screen(consumer, public.url, CONSUMER, "pay", lang)
    button, prepared = PAY_LABELS[lang]
    consumer.get_by_role("button", name=button, exact=True).click()
    expect_text(consumer, prepared)
    check_screen(consumer, "pay-prepared", lang)


def test_streamlits_running_and_connection_words_in_ukrainian(visitor, public):
    """The status widget shows only while a script runs longer than a moment, the connection status only while the
    connection is down: the page's script is given the same markup Streamlit draws for them (its data-testids and
    words) and must translate it, hide the Stop button and leave the app's own words alone."""
    open_screen(visitor, public.url, VISITOR, "login", "uk")
    visitor.evaluate(
        """() => document.querySelector("[data-testid='stMain']").insertAdjacentHTML('beforeend',
               '<div data-testid="stStatusWidget"><div role="img" aria-label="Running..."></div>' +
               '<button>Stop</button></div><div data-testid="stConnectionStatus"><label>Connecting</label></div>' +
               '<p id="app-own" aria-label="Stop">Error</p>')"""
    )
    expect(visitor.get_by_role("img", name="Зачекайте…")).to_be_attached()
    expect(visitor.locator("[data-testid='stConnectionStatus']")).to_have_text("З’єднання…")
    expect(visitor.locator("[data-testid='stStatusWidget'] button")).to_be_hidden()
    expect(visitor.locator("[data-testid='stStatusWidget'] button")).to_have_text("Зупинити")
    expect(visitor.locator("#app-own")).to_have_text("Error")
    expect(visitor.locator("#app-own")).to_have_attribute("aria-label", "Stop")


# ------------------------------------------------------------------------------------------- the cabinet's own addresses


def no_page_not_found(page) -> None:
    """Streamlit's "Page not found" dialog (which leaves the page inert until closed) is not there."""
    assert page.locator("[role='dialog']").count() == 0
    assert page.get_by_text("Page not found").count() == 0


def test_the_login_address_signed_out(browser, public):
    context, page = new_phone(browser)
    try:
        open_app(page, public.url + "/login")
        expect_text(page, "Вхід до кабінету")
        no_page_not_found(page)
    finally:
        context.close()


def test_the_account_address_signed_in(consumer, public):
    open_app(consumer, public.url + "/account")
    choose_language(consumer, "uk")
    expect_text(consumer, "Нараховано і сплачено по місяцях")
    no_page_not_found(consumer)


def test_a_bookmark_leads_through_the_login_to_the_account(browser, public, database):
    context, page = new_phone(browser)
    try:
        open_app(page, public.url + "/account")
        expect_text(page, "Щоб відкрити цю сторінку, увійдіть до кабінету.")
        no_page_not_found(page)
        login, _number, password = demo_consumer(database)
        saved_language(database, login, "uk")  # the tests above switch the same login's language
        log_in(page, public.url, login, password, open_first=False)
        expect_text(page, "Нараховано і сплачено по місяцях")
        assert page.url.endswith("/account")
        no_page_not_found(page)
    finally:
        context.close()


# ------------------------------------------------------------------------------------------- the language kept


def test_a_logins_saved_english_survives_a_reload_of_the_login_page(browser, public, database):
    """The page writes its language cookie on every view: Ukrainian there is what a first view showed, not a
    choice, so logging in after a reload keeps the login's own English (it used to save Ukrainian over it)."""
    from sqlalchemy import select

    from db.engine import make_engine
    from db.models import ConsumerLogin

    login, _number, password = demo_consumer(database)
    saved_language(database, login, "en")
    context, page = new_phone(browser)
    try:
        open_app(page, public.url + "/login")
        expect_text(page, "Вхід до кабінету")
        wait_until(
            lambda: any(c["name"] == LANGUAGE_COOKIE and c["value"] == "uk" for c in context.cookies()),
            "the page's language cookie set to uk",
        )
        page.reload()
        wait_idle(page)
        expect_text(page, "Вхід до кабінету")
        fill(page, "Телефон або e-mail", login)
        fill(page, "Пароль", password)
        consumer_login_click(page)
        expect_text(page, "Charged and paid by month")
        engine = make_engine(database)
        try:
            with engine.connect() as connection:
                kept = connection.scalar(select(ConsumerLogin.language).where(ConsumerLogin.login == login))
        finally:
            engine.dispose()
        assert kept == "en"
    finally:
        context.close()
        saved_language(database, login, "uk")  # the login's language back as the other tests expect it


def test_a_visitors_english_survives_a_reload_and_the_login(browser, public, database):
    context, page = new_phone(browser)
    try:
        open_app(page, public.url + "/login")
        choose_language(page, "en")
        expect_text(page, "Log in to the cabinet")

        # The page keeps the choice in its cookie (web/page_shell.py); a person reloads after it is stored.
        def remembered() -> str | None:
            return next((c["value"] for c in context.cookies() if c["name"] == LANGUAGE_COOKIE), None)

        wait_until(lambda: remembered() == "en", "the language cookie set to en")
        page.reload()
        wait_idle(page)
        expect_text(page, "Log in to the cabinet")
        assert page.evaluate("() => document.documentElement.lang") == "en"
        expect(page.get_by_role("radio", name="ENG", exact=True)).to_have_attribute("aria-checked", "true")

        login, _number, password = demo_consumer(database)
        page.get_by_label("Phone or e-mail", exact=True).fill(login)
        page.get_by_label("Password", exact=True).fill(password)
        with page.expect_response(lambda response: "/session/start" in response.url):
            page.get_by_role("button", name="Log in", exact=True).click()
        expect_text(page, "Charged and paid by month")
        page.reload()  # a new session: the login's own language, saved from the visitor's choice
        wait_idle(page)
        expect_text(page, "Charged and paid by month")
        assert page.evaluate("() => document.documentElement.lang") == "en"
        choose_language(page, "uk")  # the login's language back as the other tests expect it
        expect_text(page, "Нараховано і сплачено по місяцях")
    finally:
        context.close()
