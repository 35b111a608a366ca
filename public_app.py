"""Consumer cabinet entrypoint: `streamlit run public_app.py` (pages in pages/public/).

Run by `streamlit run`, this file is both the ASGI app (imported as a module: `app`, with the extra HTTP
routes) and the Streamlit script (executed as __main__ on every rerun: the navigation).
"""

import streamlit as st

if __name__ == "__main__":
    st.set_page_config(page_title="Кабінет споживача", page_icon="🔥", layout="centered")
    st.navigation([st.Page("pages/public/welcome.py", title="Кабінет", default=True)]).run()
else:
    from web.public_routes import ROUTES

    app = st.App("public_app.py", routes=ROUTES)
