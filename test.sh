#!/usr/bin/env bash
# Run the whole test suite. PostgreSQL tests run when TEST_DATABASE_URL is set, browser tests when
# Chromium is installed; otherwise they are skipped with the reason shown.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/venv.sh
python -m pytest -ra "$@"
