"""HTTP routes served beside the Streamlit apps (st.App routes): health checks, payment callbacks, cookies."""
