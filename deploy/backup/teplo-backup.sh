#!/usr/bin/env bash
# Nightly backup (teplo-backup.timer): pg_dump of DATABASE_URL, custom format, into TEPLO_BACKUP_DIR; dumps older
# than TEPLO_BACKUP_KEEP_DAYS are deleted. A dump is written under a temporary name and renamed when complete, so
# a half-written file never looks like a backup. Restore with deploy/backup/teplo-restore-drill.sh (try it monthly).
set -euo pipefail
url="${DATABASE_URL:?DATABASE_URL is not set}"
url="${url/postgresql+psycopg2:/postgresql:}"      # libpq wants the plain scheme
dir="${TEPLO_BACKUP_DIR:-/var/backups/teplo}"
keep="${TEPLO_BACKUP_KEEP_DAYS:-14}"
mkdir -p "$dir"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
partial="$dir/.teplo-$stamp.dump.partial"
trap 'rm -f "$partial"' EXIT
pg_dump --format=custom --no-owner --no-privileges --file "$partial" "$url"
mv "$partial" "$dir/teplo-$stamp.dump"
find "$dir" -maxdepth 1 -name 'teplo-*.dump' -mtime "+$keep" -delete
printf '{"level":"info","logger":"teplo.backup","msg":"backup written","file":"%s","bytes":%s}\n' \
  "$dir/teplo-$stamp.dump" "$(stat -c %s "$dir/teplo-$stamp.dump")"
