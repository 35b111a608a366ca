"""The one-click unsubscribe of the reminder e-mails (RFC 8058), a public route of the consumer app.

GET /unsubscribe?token=… shows a confirmation with a button (mail scanners open links; a GET changes nothing);
POST /unsubscribe?token=… withdraws the consent: the button, or the mail client's own List-Unsubscribe-Post.
A forged, damaged or expired token gets a page saying so in Ukrainian (English below), never a traceback.
"""

from __future__ import annotations

import html

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from core import mail, reminders
from core.i18n import t
from core.resources import sessions

HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


def _page(
    lang: str, title_key: str, body_key: str, *, form_token: str | None = None, status: int = 200, home: str = "/"
) -> HTMLResponse:
    title, body = t(title_key, lang), t(body_key, lang)
    other = "en" if lang == "uk" else "uk"
    form = ""
    if form_token is not None:
        form = (
            f'<form method="post" action="{mail.UNSUBSCRIBE_PATH}?token={html.escape(form_token, quote=True)}">'
            f'<button type="submit">{html.escape(t("unsubscribe.button", lang))}</button></form>'
        )
    page = f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#31333f}}
a{{color:#1f6fb2}} .other{{color:#6b6f7b;font-size:.9rem}} button{{font-size:1.1rem;padding:.6rem 1.4rem}}</style>
</head><body><p>🔥 <strong>{html.escape(t("reminder.sender_name", lang))}</strong></p><h1>{html.escape(title)}</h1>
<p id="message">{html.escape(body)}</p>{form}<p><a href="{html.escape(home, quote=True)}">{html.escape(t("unsubscribe.home", lang))}</a></p>
<p class="other" lang="{other}">{html.escape(t(body_key, other))}</p></body></html>"""
    return HTMLResponse(page, status_code=status, headers=HEADERS)


def _bad(error: mail.BadToken) -> HTMLResponse:
    return _page("uk", "unsubscribe.title", f"unsubscribe.{error.reason}", status=400)


async def unsubscribe_page(request: Request) -> HTMLResponse:
    token = request.query_params.get("token", "")
    settings = mail.MailSettings.load()
    try:
        lang = await run_in_threadpool(reminders.token_language, token, settings, sessions())
    except mail.BadToken as error:
        return _bad(error)
    return _page(lang, "unsubscribe.title", "unsubscribe.confirm", form_token=token)


async def unsubscribe_now(request: Request) -> HTMLResponse:
    token = request.query_params.get("token", "")
    settings = mail.MailSettings.load()
    try:
        _changed, lang = await run_in_threadpool(reminders.unsubscribe, sessions(), token, settings)
    except mail.BadToken as error:
        return _bad(error)
    return _page(lang, "unsubscribe.title", "unsubscribe.done")


ROUTES: list = [
    Route(mail.UNSUBSCRIBE_PATH, unsubscribe_page, methods=["GET"]),
    Route(mail.UNSUBSCRIBE_PATH, unsubscribe_now, methods=["POST"]),
]
