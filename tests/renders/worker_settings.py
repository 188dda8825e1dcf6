"""Settings of Celery worker processes started by tests: the project's, plus simulated storage latency.

TEST_TILE_SAVE_DELAY (seconds) makes every tile save take that long, like a PUT to R2
from far away, so a test can kill a worker between two levels of a render.
"""

import os
import time

from django.core.files.storage import FileSystemStorage

from panoconfig.settings import *  # noqa: F403


class SlowFileSystemStorage(FileSystemStorage):
    def _save(self, name, content):
        time.sleep(float(os.environ["TEST_TILE_SAVE_DELAY"]))
        return super()._save(name, content)


if os.environ.get("TEST_TILE_SAVE_DELAY"):
    STORAGES["tiles"] = {**STORAGES["tiles"], "BACKEND": "tests.renders.worker_settings.SlowFileSystemStorage"}  # noqa: F405
