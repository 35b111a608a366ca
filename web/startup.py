"""What both servers set once at start, before a visitor's first page."""

from __future__ import annotations

import ast
import gc
import importlib
import importlib.util
import sys
from collections.abc import Iterable
from pathlib import Path

# The Streamlit release the flag below was read in (streamlit/runtime/pages_manager.py, commands/navigation.py,
# runtime/scriptrunner/script_runner.py); tests/unit/test_streamlit_pages_flag.py fails on any other.
CHECKED_STREAMLIT = "1.67.0"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


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


def import_what_pages_import(paths: Iterable[str | Path]) -> list[str]:
    """Import, at server start, every module the page files import (absolute imports; `from package import
    module` imports the module; a relative path is the project's): the first visitor of a page after a start then does not wait for its code to load
    (0.1–0.3 s for a page of charts and queries on a busy machine). Returns the modules' names."""
    names: list[str] = []
    for path in paths:
        tree = ast.parse((PROJECT_ROOT / path).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.append(node.module)
                names += [
                    f"{node.module}.{alias.name}"
                    for alias in node.names
                    if _is_submodule(f"{node.module}.{alias.name}")
                ]
    unique = list(dict.fromkeys(names))
    for name in unique:
        importlib.import_module(name)
    return unique


def _is_submodule(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # its parent is a module, not a package
        return False


def draw_one_chart() -> None:
    """Plotly loads a trace type's classes on its first figure: a bar and a line drawn (and serialised as
    st.plotly_chart does) once at start, not in the first visitor's page."""
    import plotly.graph_objects as go
    import plotly.io

    figure = go.Figure([go.Bar(x=[1], y=[1], marker={"color": "#000"}), go.Scatter(x=[1], y=[1], line={"width": 1})])
    figure.update_layout(title={"text": ""}, legend={"orientation": "h"}, margin={"t": 0}, hovermode="x unified")
    figure.update_xaxes(title={"text": ""})
    figure.update_yaxes(title={"text": ""})
    figure.add_annotation(text="", x=1, y=1)
    plotly.io.to_json(figure, validate=False)


def keep_loaded_code_out_of_collections() -> None:
    """Move what the start loaded (Streamlit, pandas, Plotly, SQLAlchemy and the pages' modules: about 179,000
    objects the collector tracks) out of the garbage collector's reach, once, after the start has loaded it.

    Those objects live as long as the server, yet every full collection walked them all again: a pause of
    0.13–0.17 s on one page run in 15 to 30 (bench.collector; README, "Benchmark"). What visitors' sessions
    create later is collected as before."""
    gc.collect()
    gc.freeze()
