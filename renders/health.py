"""Checks behind GET /api/v1/health: each answers "ok" or a short reason."""

import logging
import os
from pathlib import Path

from django.conf import settings
from django.db import connection

from renders.tilestore import tiles_storage

logger = logging.getLogger(__name__)


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _broker():
    from panoconfig.celery import app, ensure_broker_folders

    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        ensure_broker_folders()
        for key in ("data_folder_in", "data_folder_out"):
            folder = Path(options[key])
            if not (folder.is_dir() and os.access(folder, os.W_OK)):
                raise OSError(f"broker folder {key} is not writable")
        return
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)


def _storage():
    tiles_storage().exists("t/health-check.jpg")


CHECKS = {"database": _database, "broker": _broker, "storage": _storage}


def health_checks():
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception as error:  # a health check reports every failure, it never raises
            logger.warning("health check %s failed", name, exc_info=True)
            results[name] = f"error: {type(error).__name__}"
    return results
