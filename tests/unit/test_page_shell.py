"""The consumer app's page as served (web/page_shell.py): in the language of the visitor's cookie, with the script
that keeps it so, Streamlit's files and other answers untouched. Run against Streamlit's real index.html."""

from __future__ import annotations

import asyncio
import html
import threading
from pathlib import Path

import pytest
import streamlit

from core.i18n import t
from web.not_found import page as not_found_page
from web.page_shell import STREAMLIT_KEYS, PageShell, rewrite

INDEX = (Path(streamlit.__file__).parent / "static" / "index.html").read_text(encoding="utf-8")
TITLES = {"uk": "Кабінет споживача", "en": "Consumer cabinet"}


@pytest.mark.parametrize("lang", ["uk", "en"])
def test_streamlits_page_declares_the_language_and_the_title(lang):
    page = rewrite(INDEX, lang, TITLES)
    assert f'<html lang="{lang}">' in page and 'lang="en">' not in page.replace(f'<html lang="{lang}">', "")
    assert f"<title>{TITLES[lang]}</title>" in page and "<title>Streamlit</title>" not in page
    assert html.escape(t("page.noscript", lang)) in page and "You need to enable JavaScript" not in page
    assert page.index("MutationObserver") < page.index("</head>") < page.index('<div id="root"></div>')


def test_the_script_carries_every_streamlit_phrase_both_ways():
    page = rewrite(INDEX, "uk", TITLES)
    for key in STREAMLIT_KEYS:
        assert t(key, "en") in page and t(key, "uk") in page, key
    assert "<\\/" not in page.split("<script>", 1)[0]  # only the script's data is escaped


def test_other_pages_are_left_alone():
    assert rewrite(not_found_page("Кабінет споживача"), "en", TITLES) is None
    assert rewrite("<html><body>hello</body></html>", "en", TITLES) is None


def serve(path: str, headers: dict[str, str], content_type: str, body: bytes) -> tuple[dict, bytes, list]:
    """One GET through the middleware over an app that answers `body`; returns the response's headers, its body
    and the request headers the inner app saw."""
    seen = []

    async def inner(scope, receive, send):
        seen.extend(scope["headers"])
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", content_type.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"etag", b'"abc"'),
                ],
            }
        )
        half = len(body) // 2  # in two pieces, as a file is streamed
        await send({"type": "http.response.body", "body": body[:half], "more_body": True})
        await send({"type": "http.response.body", "body": body[half:], "more_body": False})

    messages = []

    async def send(message):
        messages.append(message)

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "query_string": b"",
        "headers": [(name.lower().encode(), value.encode()) for name, value in headers.items()],
    }
    # In a thread of its own: the browser suite's Playwright keeps an event loop running in the main thread, and
    # asyncio.run refuses to start inside it when the whole suite runs in one process.
    worker = threading.Thread(target=asyncio.run, args=(PageShell(inner)(scope, receive, send),))
    worker.start()
    worker.join()
    start = messages[0]
    response_headers = {name.decode(): value.decode() for name, value in start["headers"]}
    return response_headers, b"".join(m.get("body", b"") for m in messages[1:]), seen


def test_the_cookie_chooses_the_pages_language():
    headers, body, seen = serve(
        "/register",
        {"Cookie": "teplo_lang=en", "Accept-Encoding": "gzip", "If-None-Match": '"abc"'},
        "text/html; charset=utf-8",
        INDEX.encode(),
    )
    assert '<html lang="en">' in body.decode() and "<title>Consumer cabinet</title>" in body.decode()
    assert int(headers["content-length"]) == len(body)
    assert "etag" not in headers and headers["cache-control"] == "no-cache"
    assert not {b"accept-encoding", b"if-none-match"} & {name for name, _ in seen}  # the page uncompressed, fresh


@pytest.mark.parametrize("cookie", ["", "teplo_lang=de", "teplo_lang=uk"])
def test_ukrainian_without_a_valid_choice(cookie):
    _headers, body, _seen = serve("/", {"Cookie": cookie}, "text/html", INDEX.encode())
    assert '<html lang="uk">' in body.decode()


def test_files_and_other_answers_pass_untouched():
    script = b"console.log('<div id=\"root\"></div></head>')"
    headers, body, seen = serve(
        "/static/js/index.js", {"Accept-Encoding": "gzip", "Cookie": "teplo_lang=en"}, "application/javascript", script
    )
    assert body == script and (b"accept-encoding", b"gzip") in seen and headers["etag"] == '"abc"'
    not_found = not_found_page("Кабінет споживача").encode()
    _headers, body, _seen = serve("/nowhere", {"Cookie": "teplo_lang=en"}, "text/html", not_found)
    assert body == not_found


def test_the_staff_page_is_served_in_ukrainian_with_its_own_title_and_no_cookie():
    from web.page_shell import STAFF

    titles = {"uk": "Панель працівника", "en": "Staff dashboard"}
    page = rewrite(INDEX, "uk", titles, STAFF)
    assert '<html lang="uk">' in page and "<title>Панель працівника</title>" in page
    assert html.escape(t("staff.noscript", "uk")) in page and "кабінетом" not in page
    assert '"cookie": null' in page and 'stStatusWidget"] button{display:none}' not in page
    assert t("streamlit.upload", "uk") in page and "{size}MB per file" in page
