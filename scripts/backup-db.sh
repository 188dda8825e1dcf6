#!/usr/bin/env bash
# Dump the database named by DATABASE_URL to FILE (pg_dump custom format, no owners,
# so it restores into any role). Needs pg_dump of the server's major version or newer.
#   scripts/backup-db.sh backups/panoconfig-2026-01-31.dump
set -euo pipefail
OUT="${1:?usage: scripts/backup-db.sh FILE}"
: "${DATABASE_URL:?DATABASE_URL must be set}"
mkdir -p "$(dirname "$OUT")"
pg_dump --format=custom --no-owner --no-privileges --dbname="$DATABASE_URL" --file="$OUT.partial"
mv "$OUT.partial" "$OUT"
echo "database dumped to $OUT ($(wc -c <"$OUT") bytes)"
