"""Consumer cabinet entrypoint: `streamlit run public_app.py` (pages in pages/public/).

Run by `streamlit run`, this file is both the ASGI app (imported as a module: `app`, with the extra HTTP
routes) and the Streamlit script (executed as __main__ on every rerun: the navigation).
"""

import streamlit as st

if __name__ == "__main__":
    from ui import faults, public_shell
    from ui.public_session import current_login_id, restore, tr

    st.set_page_config(page_title=tr("app.title"), page_icon="🔥", layout="centered")
    # With the database unreachable the tab's own login stands until the database answers again.
    faults.run(restore, quiet=True)
    logged_in = current_login_id() is not None

    files: dict[str, str] = {}  # url path -> page script, to come back to a cabinet page once logged in

    def page(file, title, icon, url_path, *, hidden=False):
        files[url_path] = f"pages/public/{file}"
        return st.Page(
            files[url_path],
            title=tr(title),
            icon=icon,
            url_path=url_path,
            visibility="hidden" if hidden else "visible",
        )

    # A logged-out visitor opening a cabinet link (a bookmark, an expired session) lands on the login form:
    # those pages stay registered but hidden, and each of them asks for the login first.
    menu = [
        page("account.py", "nav.account", ":material/home:", "account", hidden=not logged_in),
        page("readings.py", "nav.readings", ":material/water_drop:", "readings", hidden=not logged_in),
        page("pay.py", "nav.pay", ":material/payments:", "pay", hidden=not logged_in),
        page("profile.py", "nav.profile", ":material/person:", "profile", hidden=not logged_in),
    ]
    hidden = [
        page("add_account.py", "nav.add_account", ":material/add_home:", "add-account", hidden=True),
        page("pay_demo.py", "nav.pay", ":material/payments:", "pay-demo", hidden=True),
        page("pay_result.py", "nav.pay", ":material/payments:", "pay-result", hidden=True),
    ]
    visitor = [
        page("login.py", "nav.login", ":material/login:", "login", hidden=logged_in),
        page("register.py", "nav.register", ":material/person_add:", "register", hidden=logged_in),
        page("reset_password.py", "nav.reset", ":material/lock_reset:", "reset-password", hidden=True),
    ]

    def home():
        """The site's root address only: no page of the cabinet is Streamlit's default page, because the default
        page answers at "/" alone and its own address (/login, /account) then showed "Page not found"."""
        st.switch_page(menu[0] if logged_in else visitor[0], query_params=st.query_params.to_dict())  # ?welcome=1

    root = st.Page(home, title=tr("app.title"), url_path="home", default=True, visibility="hidden")
    current = st.navigation([root, *visitor, *menu, *hidden], position="hidden")
    if not logged_in and current in menu + hidden:
        st.session_state["after_login"] = files[current.url_path]  # back there once logged in
    # The app's own handler: a fault under the page is a sentence inside the page, the header and menu stay.
    if faults.run(public_shell.header, menu if logged_in else []):
        faults.run(current.run)
elif __name__ != "__mp_main__":  # a multiprocessing child re-importing a test's main script is no server
    from pathlib import Path

    from starlette.middleware import Middleware

    from core import passwords
    from web import observability
    from web.proxies import trust_only_configured_proxies
    from web.public_routes import ROUTES
    from web.startup import import_what_pages_import, keep_loaded_code_out_of_collections, pages_from_navigation_only

    observability.start("public_app")  # JSON logs; in production, exits while an unsafe setting stands
    # What the pages import, imported once at server start (a few seconds on a busy machine), so that the first
    # visitors after a start do not wait for it.
    import_what_pages_import([__file__, *sorted(Path(__file__).parent.glob("pages/public/*.py"))])
    # The stand-in hash an unknown login is checked against, made now: the first such login after a start then
    # takes as long as any other (core.passwords.dummy_hash).
    passwords.dummy_hash()
    # No ⋮ menu for a consumer: its items ("Print", "Record a screencast", "Made with Streamlit") exist in English
    # only; the browser's own print still prints a page. The staff dashboard keeps the viewer's menu.
    st.set_option("client.toolbarMode", "minimal")
    pages_from_navigation_only()
    trust_only_configured_proxies()
    from ui.faults import on_script_error
    from web.app_options import app_options
    from web.not_found import PUBLIC_PAGES
    from web.page_shell import PageShell

    keep_loaded_code_out_of_collections()
    # The call stays written out here: `streamlit run` finds the app by reading this file's source for
    # `app = st.App(...)` (streamlit.web.server.app_discovery).
    app = st.App(
        "public_app.py",
        **app_options(
            "public_app", "public", ROUTES, PUBLIC_PAGES, Middleware(PageShell), on_script_error=on_script_error
        ),
    )
