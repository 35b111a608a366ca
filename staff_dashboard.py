"""Staff dashboard entrypoint: `streamlit run staff_dashboard.py` (pages in pages/staff/)."""

import streamlit as st

st.set_page_config(page_title="Панель працівника", page_icon="📊", layout="wide")
st.navigation([st.Page("pages/staff/welcome.py", title="Панель", default=True)]).run()
