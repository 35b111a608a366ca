#!/usr/bin/env bash
# Set up everything on a fresh machine, load demo data into the embedded SQLite database if it is empty,
# and start both apps: the consumer cabinet on :8501 and the staff dashboard on :8502 (Streamlit options:
# .streamlit/config.toml).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/venv.sh
python manage.py migrate
python manage.py demo --size "${DEMO_SIZE:-small}" --if-empty
python manage.py windows
streamlit run staff_dashboard.py --server.port "${STAFF_PORT:-8502}" &
staff_pid=$!
trap 'kill $staff_pid 2>/dev/null || true' EXIT INT TERM
streamlit run public_app.py --server.port "${PUBLIC_PORT:-8501}"
