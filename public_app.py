"""Consumer cabinet entrypoint: `streamlit run public_app.py` (pages in pages/public/).

Run by `streamlit run`, this file is both the ASGI app (imported as a module: `app`, with the extra HTTP
routes) and the Streamlit script (executed as __main__ on every rerun: the navigation).
"""

import streamlit as st

if __name__ == "__main__":
    from ui import public_shell
    from ui.public_session import current_login_id, restore, tr

    st.set_page_config(page_title="Кабінет споживача", page_icon="🔥", layout="centered")
    restore()
    if current_login_id() is None:
        pages = [
            st.Page("pages/public/login.py", title=tr("nav.login"), icon=":material/login:", url_path="login",
                    default=True),
            st.Page("pages/public/register.py", title=tr("nav.register"), icon=":material/person_add:",
                    url_path="register"),
        ]
    else:
        pages = [
            st.Page("pages/public/account.py", title=tr("nav.account"), icon=":material/home:", url_path="account",
                    default=True),
            st.Page("pages/public/readings.py", title=tr("nav.readings"), icon=":material/water_drop:",
                    url_path="readings"),
            st.Page("pages/public/pay.py", title=tr("nav.pay"), icon=":material/payments:", url_path="pay"),
            st.Page("pages/public/profile.py", title=tr("nav.profile"), icon=":material/person:",
                    url_path="profile"),
            st.Page("pages/public/add_account.py", title=tr("nav.add_account"), icon=":material/add_home:",
                    url_path="add-account"),
        ]
    page = st.navigation(pages, position="hidden")
    public_shell.header(pages)
    page.run()
else:
    from web.public_routes import ROUTES

    app = st.App("public_app.py", routes=ROUTES)
