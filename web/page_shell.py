"""Each app's HTML page in its user's language (the consumer app's and the staff dashboard's: `Shell` says how
they differ).

Streamlit serves one index.html for every page, with `<html lang="en">`, the title "Streamlit", English in its
<noscript>, and a frontend whose own words (the skip link, "Press Enter to submit form", "Running...", the
password toggle, icon names read aloud) exist only in English. This ASGI middleware rewrites that page as it is
served:

- `<html lang>` and the title follow the language cookie `teplo_lang` (Ukrainian without one), so a screen reader
  reads the page with the right voice from the first byte, and a signed-out visitor's choice survives a reload
  (the staff dashboard keeps its language in the session, not in a cookie: its page is served in Ukrainian);
- a small script keeps them right afterwards: the app puts an empty `<style data-teplo-lang="…">` on every page
  (ui/public_shell.py, staff_dashboard.py), and the script sets `<html lang>` and the cookie from it, shows
  Streamlit's own words in that language (texts from the message catalog, keys `streamlit.*`: the skip link, the
  file uploader's "Upload" and "200MB per file", a range slider's "— start" and "— end"…), hides icon names from screen readers (each icon stands beside
  its own text) and gives the number fields (a reading, an amount) a phone's number keyboard (`inputmode`);
- in the consumer app, a few lines of CSS hide the script's "Stop" button, which means nothing to a consumer.

Only Streamlit's page itself (an HTML answer holding `<div id="root">`) is changed; files, routes and the app's
own not-found page pass as they are.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.i18n import DEFAULT_LANGUAGE, LANGUAGE_COOKIE, LANGUAGES, t
from ui.public_text import text
from web.not_found import STREAMLIT_PREFIXES

ROOT = '<div id="root"></div>'
COOKIE_MAX_AGE = 365 * 24 * 3600
# Where Streamlit's own words stand as text (and not the app's): translated there, and their labels anywhere.
CHROME = (
    '[data-testid="InputInstructions"],[data-testid="stSkipToContent"],[data-testid="stStatusWidget"],'
    '[data-testid="stConnectionStatus"],[data-testid="stFileUploaderDropzone"]'
)
# Words too common to be translated outside CHROME (an app text may say "Error" or "Stop" in English on purpose).
CHROME_ONLY = (
    "streamlit.running",
    "streamlit.please_wait",
    "streamlit.stop",
    "streamlit.stopping",
    "streamlit.connecting",
    "streamlit.connecting_help",
    "streamlit.disconnected",
    "streamlit.disconnected_help",
    "streamlit.upload",
    "streamlit.add_files",
    "streamlit.error",
)
# Fields that take a number (a meter reading, an amount), found by their widget key's container class (the pages
# give them these keys): a phone opens its number keyboard for them (`inputmode="decimal"`, which Streamlit's
# st.text_input cannot set; a decimal keyboard still offers the comma or point of the phone's language).
NUMERIC = '[class*="st-key-reading_value_"] input,[class*="st-key-pay_amount_"] input'
_UNWANTED = (b"accept-encoding", b"if-none-match", b"if-modified-since")
CSS = '[data-testid="stStatusWidget"] button{display:none}'

SCRIPT = """(function () {
  var data = %s;
  var byText = {};
  data.phrases.forEach(function (entry) { byText[entry.en] = entry; byText[entry.uk] = entry; });
  var ATTRIBUTES = ["aria-label", "title", "alt", "placeholder"];
  var ICON = /^[a-z0-9_]+ icon$/;
  var HOLE = /\\{[a-z_]+\\}/;
  function lang() { return document.documentElement.lang === "en" ? "en" : "uk"; }
  function translate(value, inChrome, element) {
    var key = value.trim(), entry = byText[key], to = lang();
    if (entry && (inChrome || !entry.chromeOnly)) return entry[to] === key ? null : value.replace(key, entry[to]);
    var from = to === "uk" ? data.helpFor.en : data.helpFor.uk;
    if (value.indexOf(from) === 0) return data.helpFor[to] + value.slice(from.length);
    for (var i = 0; i < data.templates.length; i++) {  // "Remove {name}": the words around a part kept as it is
      var template = data.templates[i];
      if (template.within ? !element.closest(template.within) : template.chromeOnly && !inChrome) continue;
      var around = template[to === "uk" ? "en" : "uk"].split(HOLE), into = template[to].split(HOLE);
      if (key.length > around[0].length + around[1].length && key.indexOf(around[0]) === 0 &&
          key.slice(key.length - around[1].length) === around[1]) {
        return value.replace(key, into[0] + key.slice(around[0].length, key.length - around[1].length) + into[1]);
      }
    }
    return null;
  }
  function fixElement(element) {
    // Inside an SVG (a chart's, an icon's) are the app's own words only: a staff page's charts are most of its
    // elements, and asking each of them where it sits cost about 7 ms of every open. An <svg> itself may carry
    // an icon's aria-label.
    if (element instanceof SVGElement && !(element instanceof SVGSVGElement)) return;
    if (element.tagName === "INPUT" && element.getAttribute("inputmode") !== "decimal" &&
        element.matches(data.numeric)) element.setAttribute("inputmode", "decimal");
    var chrome = null;
    function inChrome() {
      if (chrome === null) chrome = !!element.closest(data.chrome);
      return chrome;
    }
    ATTRIBUTES.forEach(function (name) {
      var value = element.getAttribute(name);
      if (!value) return;
      if (name === "aria-label" && ICON.test(value)) {  // "local_fire_department icon": the text beside says it
        element.removeAttribute(name);
        element.setAttribute("aria-hidden", "true");
        return;
      }
      var changed = translate(value, inChrome(), element);
      if (changed !== null) element.setAttribute(name, changed);
    });
    if (element.firstChild && inChrome()) {
      element.childNodes.forEach(function (node) {
        if (node.nodeType !== 3 || !node.nodeValue.trim()) return;
        var changed = translate(node.nodeValue, true, element);
        if (changed !== null) node.nodeValue = changed;
      });
    }
  }
  function fixTree(root) {
    if (root.nodeType === 3) { if (root.parentElement) fixElement(root.parentElement); return; }
    if (root.nodeType !== 1) return;
    fixElement(root);
    root.querySelectorAll("*").forEach(fixElement);
  }
  function followApp() {
    var marker = document.querySelector("style[data-teplo-lang]");
    var wanted = marker && marker.getAttribute("data-teplo-lang");
    if (data.languages.indexOf(wanted) < 0) return false;
    var cookie = data.cookie + "=" + wanted;
    if (data.cookie && document.cookie.split("; ").indexOf(cookie) < 0) {
      document.cookie = cookie + "; path=/; max-age=" + data.maxAge + "; samesite=lax" +
        (location.protocol === "https:" ? "; secure" : "");
    }
    if (document.documentElement.lang === wanted) return false;
    document.documentElement.lang = wanted;
    document.title = data.titles[wanted] || document.title;
    return true;
  }
  new MutationObserver(function (mutations) {
    if (followApp()) { if (document.body) fixTree(document.body); return; }
    mutations.forEach(function (mutation) {
      if (mutation.type === "childList") mutation.addedNodes.forEach(fixTree);
      else if (mutation.type === "characterData") fixTree(mutation.target);
      else if (mutation.target.nodeType === 1) fixElement(mutation.target);
    });
  }).observe(document.documentElement, {subtree: true, childList: true, characterData: true, attributes: true,
                                          attributeFilter: ATTRIBUTES});
})();"""


# Streamlit's own words the page's script shows in the page's language; each key's "en" is Streamlit's own text.
STREAMLIT_KEYS = (
    "streamlit.skip",
    "streamlit.enter_submit",
    "streamlit.enter_apply",
    "streamlit.show_password",
    "streamlit.hide_password",
    "streamlit.help",
    "streamlit.help_for",
    "streamlit.close",
    "streamlit.loading",
    "streamlit.drop_file",
    "streamlit.file_input",
    *CHROME_ONLY,
)
# Streamlit's own words around a part of their own (a file's name, a size): one {placeholder} each.
STREAMLIT_TEMPLATES = (
    "streamlit.upload_limit",
    "streamlit.remove_file",
    "streamlit.upload_refused",
    "streamlit.upload_too_large",
)


# Streamlit's own words around the app's text in one kind of element only (a selector): a range slider names its
# two thumbs "{label} — start" and "{label} — end" (their aria-label, read aloud), in English in any language.
PLACED_TEMPLATES = {
    "streamlit.slider_start": '[data-testid="stSlider"]',
    "streamlit.slider_end": '[data-testid="stSlider"]',
}


@dataclass(frozen=True)
class Shell:
    """What differs between the two apps' pages."""

    title_key: str = "app.title"
    noscript_key: str = "page.noscript"
    cookie: str | None = LANGUAGE_COOKIE  # None: the language lives in the app's session (the staff dashboard)
    css: str = CSS


PUBLIC = Shell()
STAFF = Shell("staff.app_title", "staff.noscript", cookie=None, css="")


def _both(key: str) -> dict[str, str]:
    return {lang: t(key, lang) for lang in LANGUAGES}


def script_data(titles: dict[str, str], cookie: str | None = LANGUAGE_COOKIE) -> dict:
    phrases = [
        {**_both(key), "chromeOnly": key in CHROME_ONLY} for key in STREAMLIT_KEYS if key != "streamlit.help_for"
    ]
    return {
        "phrases": phrases,
        "helpFor": _both("streamlit.help_for"),
        "templates": [{**_both(key), "chromeOnly": True} for key in STREAMLIT_TEMPLATES]
        + [{**_both(key), "within": where} for key, where in PLACED_TEMPLATES.items()],
        "chrome": CHROME,
        "numeric": NUMERIC,
        "cookie": cookie,
        "maxAge": COOKIE_MAX_AGE,
        "languages": list(LANGUAGES),
        "titles": titles,
    }


def page_language(scope: Scope, cookie: str | None = LANGUAGE_COOKIE) -> str:
    if cookie is None:
        return DEFAULT_LANGUAGE
    chosen = HTTPConnection(scope).cookies.get(cookie)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def rewrite(page: str, lang: str, titles: dict[str, str], shell: Shell = PUBLIC) -> str | None:
    """Streamlit's index.html in `lang`, with the script; None for any other HTML (left as it is)."""
    if ROOT not in page or "</head>" not in page:
        return None
    page, found = re.subn(r"<html\b[^>]*>", f'<html lang="{lang}">', page, count=1)
    if not found:
        return None
    page = re.sub(r"<title>.*?</title>", f"<title>{html.escape(titles[lang])}</title>", page, count=1, flags=re.S)
    page = re.sub(
        r"<noscript>.*?</noscript>",
        f"<noscript><p>{html.escape(text(shell.noscript_key, lang))}</p></noscript>",
        page,
        count=1,
        flags=re.S,
    )
    data = json.dumps(script_data(titles, shell.cookie), ensure_ascii=False).replace("</", "<\\/")
    style = f"<style>{shell.css}</style>" if shell.css else ""
    return page.replace("</head>", f"{style}<script>{SCRIPT % data}</script></head>", 1)


class PageShell:
    """ASGI middleware: rewrites Streamlit's page (see the module's docstring)."""

    def __init__(self, app: ASGIApp, shell: Shell = PUBLIC) -> None:
        self.app, self.shell = app, shell
        self.titles = {lang: text(shell.title_key, lang) for lang in LANGUAGES}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "/").strip("/")
        if (
            scope["type"] != "http"
            or scope.get("method") != "GET"
            or any(path == prefix or path.startswith(prefix + "/") for prefix in STREAMLIT_PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        lang = page_language(scope, self.shell.cookie)
        # The page uncompressed, to be rewritten (Streamlit's gzip runs inside this middleware).
        # Nor a 304 for a page cached before (its validators are dropped below).
        scope = {**scope, "headers": [(name, value) for name, value in scope["headers"] if name not in _UNWANTED]}
        start: Message | None = None
        body: list[bytes] = []

        async def rewrite_page(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if headers.get("content-type", "").startswith("text/html") and "content-encoding" not in headers:
                    start = message  # held until the whole page is here
                    return
                await send(message)
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            page = b"".join(body)
            changed = rewrite(page.decode("utf-8", "replace"), lang, self.titles, self.shell)
            if changed is not None:
                page = changed.encode("utf-8")
                headers = MutableHeaders(scope=start)
                headers["content-length"] = str(len(page))
                for stale in ("etag", "last-modified"):  # a 304 must not bring back the English page
                    if stale in headers:
                        del headers[stale]
                headers["cache-control"] = "no-cache"
                headers.append("vary", "Cookie")
            await send(start)
            await send({"type": "http.response.body", "body": page, "more_body": False})

        await self.app(scope, receive, rewrite_page)
