"""The same visit as bench/capacity_client.py, made by Chromium (Playwright): a check of how faithful the
protocol client is, by the server CPU each visit costs and by the click times, one visit at a time."""

from __future__ import annotations

import re
import time

from bench.browser import IDLE
from bench.capacity_client import Click, Target, Texts
from tools.chromium import CHROMIUM, CHROMIUM_FLAGS

LIMIT_MS = 60_000


async def visits(target: Target, texts: Texts, accounts: list, password: str) -> list[Click]:
    """One browser context (a fresh browser profile) per visit, one visit after the other."""
    from playwright.async_api import async_playwright

    clicks: list[Click] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                *CHROMIUM_FLAGS,
                "--ignore-certificate-errors",
                f"--host-resolver-rules=MAP {target.name} {target.address}",
            ],
        )
        try:
            for account in accounts:
                context = await browser.new_context(ignore_https_errors=True, locale="uk-UA")
                page = await context.new_page()
                page.set_default_timeout(LIMIT_MS)

                async def shown(text: str, page=page) -> None:
                    await page.get_by_text(text, exact=False).first.wait_for()
                    await page.wait_for_selector(IDLE)

                async def open_site(page=page) -> None:
                    await page.goto(f"{target.origin}/")
                    await page.get_by_label(texts.login, exact=True).wait_for()
                    await page.wait_for_selector(IDLE)

                async def log_in(page=page, account=account) -> None:
                    async with page.expect_response(lambda r: "/session/start" in r.url):
                        await page.get_by_role("button", name=texts.login_button).click()
                    await shown(texts.account_title)

                async def readings(page=page) -> None:
                    await page.get_by_role("link", name=re.compile(rf"(^|\s){texts.readings_link}$")).first.click()
                    await page.get_by_label(texts.reading_input, exact=True).wait_for()
                    await page.wait_for_selector(IDLE)

                async def submit(page=page) -> None:
                    await page.get_by_role("button", name=texts.reading_submit).click()
                    await shown(texts.receipt_prefix)

                try:
                    for step, action in (("open", open_site), ("login", log_in), ("readings", readings)):
                        if step == "login":  # typing is not part of the click
                            await page.get_by_label(texts.login, exact=True).fill(account.login)
                            await page.get_by_label(texts.password, exact=True).fill(password)
                        began = time.perf_counter()
                        await action()
                        clicks.append(Click(step, time.perf_counter() - began))
                    await page.get_by_label(texts.reading_input, exact=True).fill(account.value)
                    began = time.perf_counter()
                    await submit()
                    clicks.append(Click("submit", time.perf_counter() - began))
                except Exception as error:  # reported as the run's error, with its reason
                    clicks.append(Click("browser", 0.0, f"{type(error).__name__}: {error}"[:300]))
                finally:
                    await context.close()
        finally:
            await browser.close()
    return clicks
