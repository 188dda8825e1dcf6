"""The `tiles` storage alias: content-addressed JPEGs, locally or on R2."""

import os
import re
import secrets

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages

from renders.models import still_storage_name, tile_storage_name

try:
    from botocore.exceptions import BotoCoreError, ClientError

    STORAGE_ERRORS = (OSError, ConnectionError, BotoCoreError, ClientError)
except ImportError:  # pragma: no cover - boto3 is a base requirement
    STORAGE_ERRORS = (OSError, ConnectionError)

# Only names the service itself makes: a kind folder and a hex content key.
NAME_PATTERN = re.compile(r"^[ts]/[0-9a-f]{16,64}\.jpg$")


class StorageWriteError(OSError):
    """The storage kept another name than the one asked for (a key must map to one name)."""


class TileFileSystemStorage(FileSystemStorage):
    """Local tiles written to a temporary name and renamed into place.

    Two jobs may store the same content-addressed tile at once; a rename keeps readers
    (and the browser caches that keep tiles for a year) from ever seeing half a file.
    """

    def _save(self, name, content):
        full_path = self.path(name)
        os.makedirs(os.path.dirname(full_path), exist_ok=True)
        temporary = f"{full_path}.{secrets.token_hex(6)}.tmp"
        try:
            with open(temporary, "wb") as handle:
                for chunk in content.chunks():
                    handle.write(chunk)
            if self.file_permissions_mode is not None:
                os.chmod(temporary, self.file_permissions_mode)
            os.replace(temporary, full_path)
        finally:
            if os.path.exists(temporary):
                os.remove(temporary)
        return str(name).replace("\\", "/")


def tiles_storage():
    return storages["tiles"]


def is_local():
    return isinstance(tiles_storage(), FileSystemStorage)


def _save(name, data):
    storage = tiles_storage()
    saved = storage.save(name, ContentFile(data))
    if saved != name:
        raise StorageWriteError(f"storage saved {name} as {saved}")
    return len(data)


def tile_save(key, data):
    return _save(tile_storage_name(key), data)


def still_save(key, data):
    return _save(still_storage_name(key), data)


class UrlMaker:
    """Absolute tile URLs: the CDN's in production, this server's otherwise."""

    def __init__(self, request=None):
        self.storage = tiles_storage()
        self.request = request
        self._local = isinstance(self.storage, FileSystemStorage)

    def __call__(self, name):
        url = self.storage.url(name)
        if self._local and self.request is not None:
            return self.request.build_absolute_uri(url)
        return url

    def tile(self, key):
        return self(tile_storage_name(key))

    def still(self, key):
        return self(still_storage_name(key))


def cache_control():
    return settings.TILE_CACHE_CONTROL
