"""The Chromium the browser suite and the benchmarks drive: Debian's, headless, without its background traffic
(updates, sync, first-run pages), so that what is measured or tested is the page alone."""

from __future__ import annotations

import os

CHROMIUM = os.environ.get("TEPLO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
