#!/usr/bin/env bash
# Restore drill: the newest dump in TEPLO_BACKUP_DIR (or the file given) is restored into a fresh scratch
# database on the same server, and the apps' own code reads it (`manage.py summary`: schema up to date, row
# counts, the staff overview's total debt). The scratch database is dropped afterwards unless --keep is given.
#   deploy/backup/teplo-restore-drill.sh [--keep] [DUMP]
# Needs a role that may CREATE DATABASE (TEPLO_DRILL_ADMIN_URL, default: DATABASE_URL's server, database postgres).
set -euo pipefail
cd "$(dirname "$0")/../.."
keep=0
if [ "${1:-}" = "--keep" ]; then keep=1; shift; fi
url="${DATABASE_URL:?DATABASE_URL is not set}"
url="${url/postgresql+psycopg2:/postgresql:}"
dump="${1:-$(ls -1t "${TEPLO_BACKUP_DIR:-/var/backups/teplo}"/teplo-*.dump 2>/dev/null | head -n 1)}"
[ -n "$dump" ] && [ -f "$dump" ] || { echo "no dump to restore (TEPLO_BACKUP_DIR or a file argument)" >&2; exit 1; }
server="${url%/*}"
admin="${TEPLO_DRILL_ADMIN_URL:-$server/postgres}"
scratch="teplo_drill_$(date -u +%Y%m%d%H%M%S)_$$"
psql -q -v ON_ERROR_STOP=1 "$admin" -c "CREATE DATABASE $scratch"
if [ "$keep" = 0 ]; then
  trap 'psql -q "$admin" -c "DROP DATABASE IF EXISTS $scratch WITH (FORCE)" >/dev/null || true' EXIT
fi
pg_restore --no-owner --no-privileges --exit-on-error --dbname "$server/$scratch" "$dump"
echo "restored $dump into $scratch"
DATABASE_URL="$server/$scratch" "${TEPLO_PYTHON:-.venv/bin/python}" manage.py summary
if [ "$keep" = 1 ]; then echo "kept: database $scratch"; fi
