#!/usr/bin/env bash
# Run the whole test suite in .venv with requirements-dev.txt (the runtime plus the test tools). PostgreSQL tests
# run when TEST_DATABASE_URL is set, browser tests when Chromium is installed; otherwise they are skipped with the
# reason shown.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/venv.sh requirements-dev.txt
# Let Python keep the bytecode it compiles: the suite starts many processes (app servers, CLI runs, parallel
# workers), and with PYTHONDONTWRITEBYTECODE set each one compiles Streamlit, pandas and Plotly again (2× the start).
unset PYTHONDONTWRITEBYTECODE
# The tests run on one worker per core (pytest-xdist): on 2 cores a third worker made the suite slower (15.7 min
# against 14.0), its browsers and servers competing for the same CPU. TEPLO_TEST_WORKERS=0 runs them in this process
# (e.g. under a debugger); how they share the work: tests/conftest.py, pytest_collection_modifyitems.
python -m pytest -ra -n "${TEPLO_TEST_WORKERS:-auto}" --dist loadgroup "$@"
