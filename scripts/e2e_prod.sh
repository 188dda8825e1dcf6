#!/usr/bin/env bash
# `make e2e-prod`: the production stack on this machine, on loopback only. Starts moto's
# S3 server (standing in for R2), a Celery worker on Redis and gunicorn with the production
# settings on PostgreSQL; scripts/e2e_prod.py then seeds a tenant and a scene, renders
# through the API, fetches tiles from the S3 endpoint and checks headers, CORS, health,
# API keys, 413 and 429. Everything started here is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
BIN="$(dirname "$PY")"

free_port() { "$PY" -c "
import socket, sys
for port in range(int(sys.argv[1]), 8400):
    with socket.socket() as s:
        try: s.bind(('127.0.0.1', port))
        except OSError: continue
        print(port); break
" "$1"; }

WEB_PORT="$(free_port "${E2E_WEB_PORT:-8380}")"
S3_PORT="$(free_port $((WEB_PORT + 1)))"
DB_NAME="${E2E_DB_NAME:-panoconfig_production_e2e}"
PG="${E2E_PG:-postgres://postgres@127.0.0.1:5432}"
RUN_DIR="$(mktemp -d -t panoconfig-e2e-XXXXXX)"
PIDS=()

cleanup() {
  status=$?
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null 2>&1 || true
  if [ "$status" -ne 0 ]; then
    echo "== e2e-prod FAILED; last lines of the logs in $RUN_DIR:"
    tail -n 30 "$RUN_DIR"/*.log || true
  else
    rm -rf "$RUN_DIR"
  fi
  exit "$status"
}
trap cleanup EXIT INT TERM

export DJANGO_DEBUG=0
export SECRET_KEY="e2e-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(48))')"
export ALLOWED_HOSTS="127.0.0.1,localhost"
export CSRF_TRUSTED_ORIGINS="https://127.0.0.1:$WEB_PORT"
export DATABASE_URL="$PG/$DB_NAME"
export REDIS_URL="${E2E_REDIS_URL:-redis://127.0.0.1:6379/4}"
export R2_BUCKET="e2e-tiles"
export R2_ENDPOINT_URL="http://127.0.0.1:$S3_PORT"
export R2_ACCESS_KEY_ID="e2e-access-key"
export R2_SECRET_ACCESS_KEY="e2e-secret-key"
export R2_PUBLIC_URL="http://127.0.0.1:$S3_PORT/e2e-tiles"
export TRUSTED_PROXY_HOPS=1
export PANOCONFIG_RATE_PER_IP="40/m"
export PANOCONFIG_VAR_DIR="$RUN_DIR/var"
export PANOCONFIG_PREPARED_DIR="$RUN_DIR/prepared"
export E2E_WEB_URL="http://127.0.0.1:$WEB_PORT"
export E2E_RUN_DIR="$RUN_DIR"

echo "== database $DB_NAME, Redis $REDIS_URL, S3 :$S3_PORT, web :$WEB_PORT"
psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null
psql "$PG/postgres" -qc "CREATE DATABASE $DB_NAME" >/dev/null
"$PY" -c "import os, redis; redis.Redis.from_url(os.environ['REDIS_URL']).flushdb()"

"$BIN/moto_server" -H 127.0.0.1 -p "$S3_PORT" >"$RUN_DIR/s3.log" 2>&1 &
PIDS+=($!)
"$PY" scripts/e2e_prod.py wait-s3

"$PY" manage.py migrate --no-input -v 0
"$PY" manage.py collectstatic --no-input -v 0
"$PY" manage.py check --deploy --fail-level WARNING

"$BIN/celery" -A panoconfig worker --loglevel=INFO -Q renders,stills,prepare --concurrency=2 \
  --without-gossip --without-mingle --without-heartbeat >"$RUN_DIR/worker.log" 2>&1 &
PIDS+=($!)
PORT="$WEB_PORT" WEB_CONCURRENCY=2 "$BIN/gunicorn" -c gunicorn.conf.py --bind "127.0.0.1:$WEB_PORT" \
  panoconfig.wsgi:application >"$RUN_DIR/web.log" 2>&1 &
PIDS+=($!)

"$PY" scripts/e2e_prod.py run
"$PY" manage.py prewarm e2e kitchen --limit 2 | tee "$RUN_DIR/prewarm.out"
grep -q "queued" "$RUN_DIR/prewarm.out"
echo "== e2e-prod passed"
