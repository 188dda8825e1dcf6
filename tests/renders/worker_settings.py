"""Settings of Celery worker processes started by tests: the project's, plus simulated storage latency.

TEST_TILE_SAVE_DELAY (seconds) makes every tile save take that long, like a PUT to R2
from far away, so a test can kill a worker between two levels of a render.
"""

import os

from panoconfig.settings import *  # noqa: F403

if os.environ.get("TEST_TILE_SAVE_DELAY"):
    STORAGES["tiles"] = {**STORAGES["tiles"], "BACKEND": "tests.renders.slow_storage.SlowFileSystemStorage"}  # noqa: F405
