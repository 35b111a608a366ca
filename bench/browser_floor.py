"""The reference of the browser rows (bench/browser.py): the smallest Streamlit app doing what the measured steps do,
served by the same `streamlit run` command as the project's apps. Its times are the framework's own floor on this
machine: a form that switches page, a page with a table, a menu link, a form answered on its own page, a button that
switches page. No database, no cookie, no middleware: everything the project adds is what the ratio shows."""

import streamlit as st


@st.cache_data
def table_rows() -> list[dict]:
    """Two years of a made-up account's months: the table the floor shows, cached like the apps' data."""
    return [
        {"month": f"{2025 + m // 12}-{m % 12 + 1:02d}", "charged": 1000 + 7 * m, "paid": 950 + 5 * m} for m in range(24)
    ]


def sign_in() -> None:
    st.title("Floor: sign in")
    with st.form("sign_in"):
        login = st.text_input("Login")
        st.text_input("Password", type="password")
        if st.form_submit_button("Sign in"):
            st.session_state["user"] = login or "visitor"
            st.switch_page(TABLE)


def table() -> None:
    st.title("Floor: table")
    st.markdown(f"**Account of {st.session_state.get('user', 'visitor')}**")
    st.dataframe(table_rows())
    if st.button("Continue"):
        st.switch_page(RESULT, query_params={"order": "1"})


def form() -> None:
    st.title("Floor: form")
    with st.form("value", clear_on_submit=True):
        value = st.text_input("Value")
        if st.form_submit_button("Send"):
            st.session_state["sent"] = value
    if "sent" in st.session_state:
        st.success(f"Floor: accepted {st.session_state['sent']}")


def result() -> None:
    st.title("Floor: result")
    st.success(f"Floor: done, order {st.query_params.get('order', '')}")


SIGN_IN = st.Page(sign_in, title="Sign in", url_path="sign-in", default=True)
TABLE = st.Page(table, title="Table", url_path="table")
FORM = st.Page(form, title="Form", url_path="form")
RESULT = st.Page(result, title="Result", url_path="result")

current = st.navigation([SIGN_IN, TABLE, FORM, RESULT], position="hidden")
menu = st.columns(2)
menu[0].page_link(TABLE, label="Table")
menu[1].page_link(FORM, label="Form")
current.run()
