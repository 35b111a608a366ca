"""Streamlit helpers shared by the pages: cached engine, language, formatting widgets."""
