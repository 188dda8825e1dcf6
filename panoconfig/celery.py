import os
from pathlib import Path

from celery import Celery

import panoconfig.request_id  # noqa: F401  carries the request id into tasks (signals)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panoconfig.settings")

app = Celery("panoconfig")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def ensure_broker_folders():
    """kombu's file-system transport needs its folders to exist before anyone publishes."""
    from django.conf import settings

    if not settings.CELERY_BROKER_URL.startswith("filesystem://"):
        return
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@app.on_after_configure.connect
def _on_configure(sender, **kwargs):
    ensure_broker_folders()
