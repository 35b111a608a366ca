"""Staff dashboard entrypoint: `streamlit run staff_dashboard.py` (pages in pages/staff/).

Without a staff login every address shows the login page; after it, the navigation holds the pages of the user's
role. Like public_app.py, the file is also the ASGI app (imported as a module) with its own routes (web.staff_routes:
/health and the session cookie).
"""

import streamlit as st

if __name__ == "__main__":
    from ui import staff_access

    st.set_page_config(page_title="Панель працівника", page_icon="📊", layout="wide")

    staff_access.restore()
    user = staff_access.current_user()
    if user is None:
        # Every staff address answers with the login form (never with the page itself) and, after sign-in, leads
        # to that page: a bookmark works, with no "Page not found".
        login = "pages/staff/login.py"
        sign_in = st.Page(login, title="Вхід", icon=":material/login:", default=True)
        bookmarks = [st.Page(login, title="Вхід", url_path=staff_access.url_path(item), visibility="hidden")
                     for item in staff_access.PAGES]
        page = st.navigation([sign_in, *bookmarks])
        if page is not sign_in:
            staff_access.remember_destination(page.url_path)
    else:
        sections: dict[str, list] = {}
        for index, item in enumerate(staff_access.pages_for(user.role)):
            sections.setdefault(item.section, []).append(
                st.Page(item.path, title=item.title, icon=item.icon, default=index == 0))
        page = st.navigation(sections)
        with st.sidebar:
            st.caption(f"{user.full_name} · {staff_access.ROLE_NAMES[user.role]}")
            if st.button("Вийти", icon=":material/logout:"):
                staff_access.sign_out()
                st.rerun()
    staff_access.follow_redirect()
    page.run()
else:
    # Import the chart libraries once at server start, before sessions run their scripts in parallel threads.
    import pandas  # noqa: F401
    import plotly.graph_objects  # noqa: F401
    from starlette.middleware import Middleware

    from web.proxies import trust_only_configured_proxies
    from web.session_cookie import BrowserCookieMiddleware
    from web.staff_routes import ROUTES
    from web.startup import pages_from_navigation_only

    pages_from_navigation_only()
    trust_only_configured_proxies()
    app = st.App("staff_dashboard.py", routes=ROUTES, middleware=[Middleware(BrowserCookieMiddleware)])
