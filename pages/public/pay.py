"""Pay (placeholder until the payments work lands)."""

import streamlit as st

from ui.public_session import require_login

require_login()
st.info("Оплата незабаром.")
