"""Real Celery worker processes for tests, on the broker the settings name, seeing the test database."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url():
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def purge_broker():
    from panoconfig.celery import app, ensure_broker_folders

    ensure_broker_folders()
    app.control.purge()


class Worker:
    """``celery worker`` with the solo pool (one process: SIGKILL stops the render at once)."""

    def __init__(self, *, tmp_path, name, env=None):
        self.log = tmp_path / f"worker-{name}.log"
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.renders.worker_settings",
            "DATABASE_URL": database_url(),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "PANOCONFIG_PREPARED_DIR": str(settings.PANOCONFIG_PREPARED_DIR),
            "PANOCONFIG_VAR_DIR": str(settings.VAR_DIR),
            "PANOCONFIG_RENDER_STALE_SECONDS": str(settings.PANOCONFIG_RENDER_STALE_SECONDS),
            "DJANGO_DEBUG": "false",
            **(env or {}),
        }
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "panoconfig", "worker", "--pool=solo", "--loglevel=INFO",
                 "--without-mingle", "--without-gossip", "--without-heartbeat", "-n", f"{name}@%h"],
                cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
            )

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self):
        return self.log.read_text(errors="replace")


def wait_for(predicate, *, timeout, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
