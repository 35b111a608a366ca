import streamlit as st

st.title("Панель працівника")
st.info("Панель працівника незабаром запрацює.")
