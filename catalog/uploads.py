"""Upload names and content digests for catalog images.

Stored names never contain text from the user: a folder derived from ids, a
random token, and an extension chosen from a fixed list.
"""

import hashlib
import secrets
from pathlib import PurePath

ALLOWED_EXTENSIONS = {".png": ".png", ".jpg": ".jpg", ".jpeg": ".jpg", ".webp": ".webp"}


def random_upload_name(folder, filename):
    extension = ALLOWED_EXTENSIONS.get(PurePath(filename or "").suffix.lower(), ".bin")
    return f"{folder}/{secrets.token_hex(12)}{extension}"


def file_sha256(field_file):
    """Hex SHA-256 of a FieldFile's bytes, leaving the file at its start."""
    digest = hashlib.sha256()
    field_file.open("rb")
    try:
        field_file.seek(0)
        for chunk in iter(lambda: field_file.read(1024 * 1024), b""):
            digest.update(chunk)
    finally:
        field_file.seek(0)
    return digest.hexdigest()


class DigestedImagesMixin:
    """Keeps ``<field>_digest`` columns equal to the SHA-256 of their image's bytes.

    A model lists pairs in ``digest_fields``; the digest is recomputed whenever a
    new file is assigned (a not-yet-committed FieldFile) or the digest is missing,
    and cleared when the image is removed.
    """

    digest_fields = {}

    def refresh_digests(self):
        """Recompute digests; ``changed_images`` names the image fields whose content changed."""
        self.changed_images = set()
        for image_field, digest_field in self.digest_fields.items():
            before = getattr(self, digest_field)
            field_file = getattr(self, image_field)
            if not field_file:
                setattr(self, digest_field, "")
            elif not field_file._committed or not before:
                setattr(self, digest_field, file_sha256(field_file))
            if getattr(self, digest_field) != before:
                self.changed_images.add(image_field)

    def save(self, *args, **kwargs):
        self.refresh_digests()
        super().save(*args, **kwargs)
