"""What both servers set once at start, before a visitor's first page."""

from __future__ import annotations

import sys

# The Streamlit release the flag below was read in (streamlit/runtime/pages_manager.py, commands/navigation.py,
# runtime/scriptrunner/script_runner.py); tests/unit/test_streamlit_pages_flag.py fails on any other.
CHECKED_STREAMLIT = "1.67.0"


def serve_command(script: str, port: int, *options: str) -> list[str]:
    """The command that serves an entrypoint: headless, without the file watcher or usage statistics; `options`
    are further Streamlit flags and their values."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        script,
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
        *options,
    ]


def pages_from_navigation_only() -> None:
    """The cabinet declares its pages with st.navigation. Because a `pages/` folder sits beside the entrypoints,
    Streamlit otherwise runs a fresh server's very first script run as an old-style multipage app (pages found
    in the folder), so the first deep link after a start or restart (a bookmark, an e-mailed link, the payment
    provider's return page) showed an English "Page not found" dialog before st.navigation took over. This is
    the flag st.navigation itself clears on its first call (streamlit.commands.navigation), cleared earlier.

    Streamlit has no public switch for it (the public way is to have no folder named `pages` beside the
    entrypoint). The flag is private, so the start refuses to go on when it is gone, and a test pins it."""
    from streamlit.runtime.pages_manager import PagesManager

    if "uses_pages_directory" not in vars(PagesManager):
        raise RuntimeError(
            "streamlit.runtime.pages_manager.PagesManager has no uses_pages_directory any more: "
            "check web/startup.py after the Streamlit upgrade (a deep link into a fresh server "
            "would show Streamlit's own 'Page not found')"
        )
    PagesManager.uses_pages_directory = False
