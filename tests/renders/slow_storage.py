"""Tile storage with a delay per save, like PUTs to a far-away R2 (see worker_settings)."""

import os
import time

from renders.tilestore import TileFileSystemStorage


class SlowFileSystemStorage(TileFileSystemStorage):
    def _save(self, name, content):
        time.sleep(float(os.environ["TEST_TILE_SAVE_DELAY"]))
        return super()._save(name, content)
