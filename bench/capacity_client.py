"""A consumer's visit spoken in Streamlit's own protocol, without a browser: the HTML page over HTTPS (cookies
kept as a browser keeps them), the app's websocket with the BackMsg a browser sends (rerun_script with the
widget states of a click, the page of a link), the ForwardMsg deltas read back to find the widgets and texts.

What it does not do (a browser would): fetch and run the page's JavaScript and static files, render the deltas,
keep the ForwardMsg cache. The login's cookie route is followed as the page asks: its background `fetch(...)` is
read out of its st.html element and requested (GET /session/start, its 303 not followed, the cookie kept) while the
visit goes on in the same websocket session; a `window.location.replace(...)` is requested like a navigation (the
route, its 303, the page it names, a new websocket carrying the new cookie).
"""

from __future__ import annotations

import asyncio
import http.client
import re
import ssl
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import ClientConnection, connect

REDIRECT = re.compile(r'window\.location\.replace\("([^"]+)"\)')
FETCH = re.compile(r'fetch\("([^"]+)"')
STEP_LIMIT = 60.0  # seconds one click may take before it counts as an error


class VisitError(Exception):
    """A step that did not show what a consumer expects (the page, the receipt)."""


@dataclass
class Target:
    """Where the cabinet answers: the address to connect to and the name the browser uses (Host, SNI)."""

    address: str
    port: int
    name: str
    tls: bool

    @property
    def origin(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.name}:{self.port}"


@dataclass
class Page:
    """What the last finished script run showed: its elements by delta path, and the app's pages."""

    elements: dict[tuple[int, ...], Element] = field(default_factory=dict)
    pages: dict[str, str] = field(default_factory=dict)  # url path -> page script hash
    current: str = ""  # the script hash of the page shown (after st.switch_page, the page switched to)

    def of_type(self, kind: str) -> list:
        return [getattr(e, kind) for _p, e in sorted(self.elements.items()) if e.WhichOneof("type") == kind]

    def texts(self) -> str:
        parts = []
        for element in self.elements.values():
            kind = element.WhichOneof("type")
            body = getattr(getattr(element, kind), "body", None) if kind else None
            if isinstance(body, str):
                parts.append(body)
        return "\n".join(parts)


class Browser:
    """One consumer's browser: a cookie jar and, while a page is open, its websocket."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.cookies: dict[str, str] = {}
        self.socket: ClientConnection | None = None
        self.page = Page()
        self.path = "/"

    def _context(self) -> ssl.SSLContext | None:
        if not self.target.tls:
            return None
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        return context

    def _cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def _get(self, path: str) -> tuple[int, str | None]:
        """One GET as a navigation (text/html), cookies in and out; returns the status and Location."""
        t = self.target
        if t.tls:
            connection: http.client.HTTPConnection = http.client.HTTPSConnection(
                t.address, t.port, context=self._context(), timeout=STEP_LIMIT
            )
        else:
            connection = http.client.HTTPConnection(t.address, t.port, timeout=STEP_LIMIT)
        try:
            headers = {"Host": f"{t.name}:{t.port}", "Accept": "text/html,*/*", "Accept-Language": "uk-UA"}
            if self.cookies:
                headers["Cookie"] = self._cookie_header()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                jar: SimpleCookie = SimpleCookie()
                jar.load(header)
                for name, morsel in jar.items():
                    if morsel["max-age"] == "0" or not morsel.value:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            return response.status, response.headers.get("Location")
        finally:
            connection.close()

    async def navigate(self, path: str) -> None:
        """Open an address as the browser's location bar would: follow redirects, load the page, run its script."""
        await self.close()
        for _hop in range(5):
            status, location = await asyncio.to_thread(self._get, path)
            if status in (301, 302, 303, 307, 308) and location:
                path = urlsplit(location).path + (f"?{urlsplit(location).query}" if urlsplit(location).query else "")
                continue
            if status != 200:
                raise VisitError(f"GET {path}: HTTP {status}")
            break
        self.path = path
        t = self.target
        scheme = "wss" if t.tls else "ws"
        self.socket = await connect(
            f"{scheme}://{t.name}:{t.port}/_stcore/stream",
            host=t.address,
            port=t.port,
            ssl=self._context(),
            server_hostname=t.name if t.tls else None,
            subprotocols=["streamlit"],  # type: ignore[list-item]
            origin=t.origin,  # type: ignore[arg-type]
            additional_headers={"Cookie": self._cookie_header()},
            max_size=None,
            compression=None,
            open_timeout=STEP_LIMIT,
        )
        split = urlsplit(path)
        await self._rerun(page_name=split.path.strip("/"), query=split.query)

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()
            self.socket = None

    async def _rerun(self, *, widgets=(), page_hash: str = "", page_name: str = "", query: str = "") -> None:
        """Send one rerun_script and read ForwardMsgs until a run finishes that is not cut short by a rerun
        (st.switch_page and st.rerun start another run at once, as in the browser)."""
        message = BackMsg()
        state = message.rerun_script
        state.query_string = query
        state.page_script_hash = page_hash
        state.page_name = page_name
        state.context_info.timezone = "Europe/Kyiv"
        state.context_info.locale = "uk-UA"
        state.context_info.url = f"{self.target.origin}{self.path}"
        for widget_id, kind, value in widgets:
            widget = state.widget_states.widgets.add()
            widget.id = widget_id
            setattr(widget, kind, value)
        assert self.socket is not None
        await self.socket.send(message.SerializeToString())
        async with asyncio.timeout(STEP_LIMIT):
            while True:
                forward = ForwardMsg()
                forward.ParseFromString(await self.socket.recv())
                kind = forward.WhichOneof("type")
                if kind == "new_session":
                    self.page.elements.clear()
                elif kind == "navigation":
                    self.page.pages = {p.url_pathname: p.page_script_hash for p in forward.navigation.app_pages}
                    self.page.current = forward.navigation.page_script_hash
                elif kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                    self.page.elements[tuple(forward.metadata.delta_path)] = forward.delta.new_element
                elif kind == "script_finished":
                    if forward.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                        return
                    if forward.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                        raise VisitError("the page's script did not compile")

    def pending_redirect(self) -> str | None:
        return self._script_target(REDIRECT)

    def pending_fetch(self) -> str | None:
        return self._script_target(FETCH)

    def _script_target(self, pattern: re.Pattern[str]) -> str | None:
        for html in self.page.of_type("html"):
            found = pattern.search(html.body)
            if found:
                return found.group(1)
        return None

    async def fetch(self, path: str) -> None:
        """A request the page makes in the background: cookies in and out, no redirect followed, no page change."""
        status, _location = await asyncio.to_thread(self._get, path)
        if status >= 400:
            raise VisitError(f"GET {path}: HTTP {status}")

    async def submit_form(self, inputs: dict[str, str], form_prefix: str = "") -> None:
        """Type into a form's text inputs (by label) and press its submit button."""
        fields = {t.label: t for t in self.page.of_type("text_input") if t.form_id.startswith(form_prefix)}
        missing = [label for label in inputs if label not in fields]
        if missing:
            raise VisitError(f"no input {missing} on {self.path}")
        form = next(iter(fields.values())).form_id if fields else ""
        button = next((b for b in self.page.of_type("button") if b.is_form_submitter and b.form_id == form), None)
        if button is None:
            raise VisitError(f"no submit button for form {form!r} on {self.path}")
        widgets: list[tuple[str, str, str | bool]] = [
            (fields[label].id, "string_value", value) for label, value in inputs.items()
        ]
        widgets.append((button.id, "trigger_value", True))
        await self._rerun(widgets=widgets, page_hash=self.page.current)

    async def click_button(self, label: str) -> None:
        button = next((b for b in self.page.of_type("button") if b.label == label), None)
        if button is None:
            raise VisitError(f"no button {label!r} on {self.path}")
        await self._rerun(widgets=[(button.id, "trigger_value", True)], page_hash=self.page.current)

    async def click_link(self, url_path: str) -> None:
        """A page link: the browser keeps its websocket and asks for the other page's script."""
        page_hash = self.page.pages.get(url_path)
        if page_hash is None:
            raise VisitError(f"no page {url_path!r} in the app's navigation")
        self.path = f"/{url_path}"
        await self._rerun(page_hash=page_hash, page_name=url_path)


@dataclass
class Click:
    step: str
    seconds: float
    error: str | None = None


async def timed(clicks: list[Click], step: str, action) -> bool:
    began = time.perf_counter()
    try:
        await action()
    except Exception as error:  # every failure of a step is one error of the run, with its reason
        clicks.append(Click(step, time.perf_counter() - began, f"{type(error).__name__}: {error}"[:300]))
        return False
    clicks.append(Click(step, time.perf_counter() - began))
    return True


@dataclass
class Texts:
    """The screen texts the visit looks for, in the consumer's language (from the gettext catalog)."""

    login: str
    password: str
    login_button: str
    account_title: str
    readings_link: str
    reading_input: str
    reading_submit: str
    reading_confirm: str
    receipt_prefix: str


async def visit(
    target: Target, texts: Texts, login: str, password: str, value: str, clicks: list[Click], think: float = 0.0
) -> bool:
    """Open the site, log in, see the account, open readings, submit one reading, pausing `think` seconds before
    each click as a person reads and types. False at the first failure."""
    browser = Browser(target)
    try:

        async def open_site() -> None:
            await browser.navigate("/")
            if not any(t.label == texts.login for t in browser.page.of_type("text_input")):
                raise VisitError("the root page did not show the login form")

        async def log_in() -> None:
            await browser.submit_form({texts.login: login, texts.password: password})
            fetched, redirect = browser.pending_fetch(), browser.pending_redirect()
            if fetched is not None:
                await browser.fetch(fetched)  # the cookie, while the tab goes on in its session
            elif redirect is not None:
                await browser.navigate(redirect)  # /session/start -> 303 -> the account page
            else:
                raise VisitError(f"no cookie route after the login: {browser.page.texts()[:200]!r}")
            if texts.account_title not in browser.page.texts():
                raise VisitError("the account page did not follow the login")

        async def readings() -> None:
            await browser.click_link("readings")
            if not any(t.label == texts.reading_input for t in browser.page.of_type("text_input")):
                raise VisitError("the readings page has no open form for a meter")

        async def submit() -> None:
            await browser.submit_form({texts.reading_input: value}, form_prefix="")
            if texts.receipt_prefix not in browser.page.texts():
                await browser.click_button(texts.reading_confirm)  # an unusual value: confirmed, as a person would
            if texts.receipt_prefix not in browser.page.texts():
                raise VisitError(f"no receipt after submitting: {browser.page.texts()[-300:]!r}")

        for step, action in (("open", open_site), ("login", log_in), ("readings", readings), ("submit", submit)):
            if step != "open" and think:
                await asyncio.sleep(think)
            if not await timed(clicks, step, action):
                return False
        return True
    finally:
        await browser.close()
