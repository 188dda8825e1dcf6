"""kombu's file-system transport (the embedded broker of `make run`), writing whole messages only.

kombu creates a message file under its final name and then fills it, so a worker polling the
folder can pick it up empty and stop with "Unrecoverable error: JSONDecodeError" (kombu issue
#1551); it stopped the worker of a browser test here. This transport writes each message under a
name the worker does not read, then renames it into place, which is atomic on one file system.
Settings select it with CELERY_BROKER_TRANSPORT; the URL stays "filesystem://".
"""

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        # kombu's name: readers take "<ms>_<uuid>.<queue>.msg" files in name order.
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        staging = os.path.join(self.data_folder_out, f".{name}.part")  # ".<...>" matches no queue
        try:
            with open(staging, "wb") as handle:
                handle.write(str_to_bytes(dumps(payload)))
            os.replace(staging, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
