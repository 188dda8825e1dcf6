#!/usr/bin/env bash
# Back up the tile bucket to a folder, or restore it from one (see scripts/sync_bucket.py).
#   scripts/sync-bucket.sh backup backups/tiles
#   scripts/sync-bucket.sh restore backups/tiles
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
[ -x "$PY" ] || PY=python
exec "$PY" scripts/sync_bucket.py "$@"
