#!/usr/bin/env bash
# Lighthouse's accessibility score of the consumer cabinet's login and registration, in Ukrainian and in English:
# starts the public app over a fresh demo database on a free port, runs Lighthouse (pinned in
# bench/lighthouse/package.json, installed here with npm ci) in Chromium, prints the scores and every audit that
# failed, keeps the reports in bench/results/lighthouse/, and exits 1 when a score is below 100.
# Not part of CI (a Lighthouse run takes about a minute a page); run it after changing the public pages:
#   scripts/lighthouse.sh            (CHROME_PATH=/usr/bin/chromium unless set)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"

(cd bench/lighthouse && npm ci --no-audit --no-fund --loglevel=error)
work=$(mktemp -d)
out=bench/results/lighthouse
mkdir -p "$out"
port=$(python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
export DATABASE_URL="sqlite:///$work/lighthouse.sqlite3" TEPLO_DEMO=1 TEPLO_NOW=2026-11-27T12:00 PUBLIC_BASE_URL="$url"
python manage.py demo --size tiny >/dev/null
python -m streamlit run public_app.py --server.port "$port" --server.headless true --server.fileWatcherType none \
  --browser.gatherUsageStats false >"$work/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do curl -fs "$url/_stcore/health" >/dev/null && break; sleep 0.5; done

status=0
for page in login register; do
  for lang in uk en; do
    report="$out/$page-$lang.json"
    # The language as a visitor's earlier choice would have left it: the cookie the page keeps (web/page_shell.py).
    bench/lighthouse/node_modules/.bin/lighthouse "$url/$page" --only-categories=accessibility --quiet \
      --output=json --output-path="$report" --extra-headers="{\"Cookie\": \"teplo_lang=$lang\"}" \
      --chrome-flags="--headless=new --no-sandbox --disable-gpu"
    python - "$report" "$page" "$lang" <<'EOF' || status=1
import json, sys

report, page, lang = sys.argv[1:]
result = json.load(open(report))
score = round(result["categories"]["accessibility"]["score"] * 100)
print(f"{page} ({lang}): accessibility {score}")
for audit_id, audit in result["audits"].items():
    if audit.get("scoreDisplayMode") == "binary" and audit.get("score") == 0:
        print(f"  failed: {audit_id}: {audit['title']}")
sys.exit(0 if score == 100 else 1)
EOF
  done
done
exit $status
