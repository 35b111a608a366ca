"""What both servers set once at start, before a visitor's first page."""

from __future__ import annotations


def pages_from_navigation_only() -> None:
    """The cabinet declares its pages with st.navigation. Because a `pages/` folder sits beside the entrypoints,
    Streamlit otherwise runs a fresh server's very first script run as an old-style multipage app (pages found
    in the folder), so the first deep link after a start or restart (a bookmark, an e-mailed link, the payment
    provider's return page) showed an English "Page not found" dialog before st.navigation took over. This is
    the flag st.navigation itself clears on its first call (streamlit.commands.navigation), cleared earlier."""
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False
