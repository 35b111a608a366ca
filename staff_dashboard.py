"""Staff dashboard entrypoint: `streamlit run staff_dashboard.py` (pages in pages/staff/).

Without a staff login every address shows the login page; after it, the navigation holds the pages of the user's
role. Like public_app.py, the file is also the ASGI app (imported as a module) with its own routes (web.staff_routes:
/health and the session cookie).
"""

import streamlit as st

if __name__ == "__main__":
    from core.config import demo_mode
    from ui import faults, staff_access
    from ui.plain import md
    from ui.staff_text import language, language_switch, pinned, tr

    st.set_page_config(page_title=tr("staff.app_title"), page_icon="📊", layout="wide")
    # The page's language for its script (web/page_shell.py): <html lang> and Streamlit's own words (the uploader's).
    st.html(f'<style data-teplo-lang="{language()}"></style>')
    if demo_mode():
        st.warning(tr("demo.mode_banner"), icon=":material/science:")

    fault: Exception | None
    try:
        staff_access.restore()
        user = staff_access.current_user()
    except Exception as error:  # noqa: BLE001 - the database is down: keep the menu of the user this tab knew
        user, fault = st.session_state.get("staff_identity"), error
    else:
        st.session_state["staff_identity"], fault = user, None
    # No staff page is Streamlit's default page: the default page answers at "/" alone, so the role's first page
    # at its own address (/overview, a bookmark) showed "Page not found" over the page. The hidden default page
    # "home" answers "/" and, signed in, so do the old login address and the pages of other roles.
    login = "pages/staff/login.py"
    landings: list = []
    if user is None:
        # Every staff address answers with the login form (never with the page itself) and, after sign-in, leads
        # to that page: a bookmark works, with no "Page not found".
        sign_in = st.Page(login, title=tr("staff.nav.login"), url_path="home", default=True, visibility="hidden")
        addresses = [
            st.Page(login, title=tr("staff.nav.login"), url_path=path, visibility="hidden")
            for path in ("login", *(staff_access.url_path(item) for item in staff_access.PAGES))
        ]
        page = st.navigation([sign_in, *addresses])  # the sign-in's rerun keeps the address: its page shows
    else:
        sections: dict[str, list] = {}
        for item in staff_access.pages_for(user.role):
            sections.setdefault(item.section, []).append(
                st.Page(item.path, title=item.title, icon=item.icon, url_path=staff_access.url_path(item))
            )
        first = next(iter(sections.values()))[0]

        def home() -> None:
            st.switch_page(first)

        mine = {page.url_path for pages in sections.values() for page in pages}
        elsewhere = [path for path in ("login", *map(staff_access.url_path, staff_access.PAGES)) if path not in mine]
        landings = [
            st.Page(home, title=first.title, url_path=path or "home", default=not path, visibility="hidden")
            for path in ("", *elsewhere)
        ]
        sections[next(iter(sections))] += landings
        page = st.navigation(sections)
        with st.sidebar:
            st.caption(f"{md(user.full_name)} · {staff_access.ROLE_NAMES[user.role]}")
            if st.button(tr("staff.logout"), icon=":material/logout:"):
                staff_access.sign_out()
                st.rerun()
    with st.sidebar:
        language_switch()
    if page not in landings:  # a landing only passes the tab on: a pending cookie route waits for the page
        staff_access.follow_redirect()
    # The app's own handler: a fault under the page is a sentence inside the page, the menu stays.
    if fault is not None:
        faults.show(fault, language())
    else:
        lang = language()
        with pinned(lang):  # the page's texts read the session's language once, not once for each text
            faults.run(page.run, lang=lang)
elif __name__ != "__mp_main__":  # a multiprocessing child re-importing a test's main script is no server
    # Import the chart libraries once at server start, before sessions run their scripts in parallel threads.
    import pandas  # noqa: F401
    import plotly.graph_objects  # noqa: F401
    from starlette.middleware import Middleware

    from core import passwords
    from ui.faults import on_script_error
    from ui.staff_access import PAGES, url_path
    from web import observability
    from web.app_options import app_options
    from web.page_shell import STAFF, PageShell
    from web.proxies import trust_only_configured_proxies
    from web.staff_routes import ROUTES
    from web.startup import (
        draw_one_chart,
        import_what_pages_import,
        keep_loaded_code_out_of_collections,
        pages_from_navigation_only,
    )

    observability.start("staff_dashboard")  # JSON logs; in production, exits while an unsafe setting stands
    # The pages' code and Plotly's chart classes, loaded now rather than in the first visitor's page after a start.
    import_what_pages_import([__file__, "pages/staff/login.py", *(page.path for page in PAGES)])
    draw_one_chart()
    # The stand-in hash an unknown login is checked against, made now: the first such login after a start then
    # takes as long as any other (core.passwords.dummy_hash).
    passwords.dummy_hash()
    pages_from_navigation_only()
    trust_only_configured_proxies()
    keep_loaded_code_out_of_collections()
    pages = ["login", *(url_path(page) for page in PAGES)]
    # The call stays written out here: `streamlit run` finds the app by reading this file's source for
    # `app = st.App(...)` (streamlit.web.server.app_discovery).
    app = st.App(
        "staff_dashboard.py",
        **app_options(
            "staff_dashboard", "staff", ROUTES, pages, Middleware(PageShell, STAFF), on_script_error=on_script_error
        ),
    )
