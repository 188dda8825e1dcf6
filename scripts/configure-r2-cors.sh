#!/usr/bin/env bash
# Apply the tile bucket's CORS policy (GET/HEAD from the tenants' origins). See
# scripts/configure_r2_cors.py for the options; R2_* variables as for the app.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
[ -x "$PY" ] || PY=python
exec "$PY" scripts/configure_r2_cors.py "$@"
