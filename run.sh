#!/usr/bin/env bash
# Try the demo on a fresh machine: create .venv, load demo data into the embedded SQLite database if it is empty,
# and start both apps in demo mode (TEPLO_DEMO=1: made-up data, no money taken, a banner on every screen): the
# consumer cabinet on :8501 and the staff dashboard on 127.0.0.1:8502. A real installation starts differently:
# README, "Deploy for real".
set -euo pipefail
cd "$(dirname "$0")"
export TEPLO_DEMO=1
source scripts/venv.sh
python manage.py migrate
python manage.py demo --size "${DEMO_SIZE:-small}" --if-empty
python manage.py windows
exec python manage.py serve --public-port "${PUBLIC_PORT:-8501}" --staff-port "${STAFF_PORT:-8502}"
