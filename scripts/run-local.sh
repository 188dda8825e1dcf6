#!/usr/bin/env bash
# `make run`: migrate, seed the demo, then a web server and a Celery worker on the
# embedded broker. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT="${PORT:-8000}"
export DJANGO_DEBUG="${DJANGO_DEBUG:-true}"
mkdir -p var

$PY manage.py migrate --no-input
$PY manage.py seed_demo

.venv/bin/celery -A panoconfig worker --loglevel=INFO --concurrency="${WORKER_CONCURRENCY:-2}" &
WORKER=$!
$PY manage.py runserver "127.0.0.1:$PORT" &
WEB=$!
trap 'kill $WEB $WORKER 2>/dev/null; wait $WEB $WORKER 2>/dev/null' INT TERM EXIT

cat <<MSG

  Totem:  http://127.0.0.1:$PORT/t/demo/
  Admin:  http://127.0.0.1:$PORT/admin/   (credentials printed by seed_demo above)
  Ctrl-C stops the web server and the worker.

MSG
wait -n $WEB $WORKER
