"""Gunicorn settings for production (`gunicorn -c gunicorn.conf.py panoconfig.wsgi`).

Every value can be overridden from the environment; the defaults suit a small
Render instance behind its load balancer.
"""

import multiprocessing
import os


def _int(name, default):
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


bind = f"0.0.0.0:{_int('PORT', 8000)}"
# Requests are short (renders run in Celery), so threads absorb slow clients cheaply;
# workers scale with the cores the instance really has.
workers = _int("WEB_CONCURRENCY", max(2, multiprocessing.cpu_count() * 2 + 1))
threads = _int("GUNICORN_THREADS", 2)
worker_class = "gthread" if threads > 1 else "sync"
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then so a slow leak never takes the instance down; rarely, since a
# recycled worker's first requests pay for imports and new connections (make load's p95).
max_requests = _int("GUNICORN_MAX_REQUESTS", 20000)
max_requests_jitter = max_requests // 10
# Render's proxy terminates TLS and sets X-Forwarded-*; Django decides what to trust.
forwarded_allow_ips = "*"
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
logger_class = "panoconfig.gunicorn_logging.JsonAccessLogger"


def post_worker_init(worker):
    """Pay a new worker's imports and connections before it accepts a request (panoconfig.warmup)."""
    from panoconfig.warmup import warm_up

    try:
        warm_up(worker.wsgi)
    except Exception:  # a worker that cannot warm up still serves; its first request pays instead
        worker.log.exception("warm-up request failed")
