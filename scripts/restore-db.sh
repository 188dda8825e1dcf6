#!/usr/bin/env bash
# Restore a dump made by backup-db.sh into the database named by DATABASE_URL,
# replacing the objects it contains. Stop the web service and the worker first.
#   scripts/restore-db.sh backups/panoconfig-2026-01-31.dump
set -euo pipefail
DUMP="${1:?usage: scripts/restore-db.sh FILE}"
: "${DATABASE_URL:?DATABASE_URL must be set}"
pg_restore --clean --if-exists --no-owner --no-privileges --exit-on-error --single-transaction \
  --dbname="$DATABASE_URL" "$DUMP"
echo "database restored from $DUMP"
