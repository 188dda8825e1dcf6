import os

from celery import Celery

import panoconfig.request_id  # noqa: F401  carries the request id into tasks (signals)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panoconfig.settings")

app = Celery("panoconfig")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
