"""Share codes ("builds"): a scene and one option per layer in a short, URL-safe string.

Layout: ``<scene id, base36>.<options>.<check>``. ``<options>`` is every layer's
option code in build order, concatenated when all are one character (the usual
case, codes being assigned in base36) and dot-separated otherwise. ``<check>`` is
a keyed digest of the rest, so a code only decodes against the scene it was made
for and a guessed code is rejected. 10 layers with one-character codes and a
scene id below 36**3 give 10 + 3 + 5 + 2 = 20 characters.
"""

import hashlib
import hmac
import re

from django.conf import settings

from panoconfig.base36 import to_base36

CHECK_LENGTH = 5
MAX_SCENE_ID = 2**63 - 1
_SHAPE = re.compile(r"^[0-9a-z]{1,13}(\.[A-Za-z0-9_-]{1,64})+\.[0-9a-z]{%d}$" % CHECK_LENGTH)


class ShareCodeError(ValueError):
    pass


def _check(scene_id, codes):
    key = getattr(settings, "PANOCONFIG_SHARE_KEY", "") or settings.SECRET_KEY
    message = f"{scene_id}:{'.'.join(codes)}".encode()
    digest = hmac.new(key.encode(), message, hashlib.sha256).digest()
    return to_base36(int.from_bytes(digest[:8], "big")).rjust(CHECK_LENGTH, "0")[-CHECK_LENGTH:]


def encode(scene_id, codes):
    """The share code of a scene id and option codes listed in build order."""
    codes = list(codes)
    if not codes:
        body = "_"
    elif all(len(code) == 1 for code in codes):
        body = "".join(codes)
    else:
        body = ".".join(codes)
    return f"{to_base36(scene_id)}.{body}.{_check(scene_id, codes)}"


def scene_id_of(build):
    """The scene id a share code names, before it is checked against that scene."""
    if not isinstance(build, str) or len(build) > 200 or not _SHAPE.fullmatch(build):
        raise ShareCodeError("Malformed share code.")
    scene_id = int(build.split(".", 1)[0], 36)
    if scene_id > MAX_SCENE_ID:  # 13 base-36 digits go past a 64-bit key
        raise ShareCodeError("Malformed share code.")
    return scene_id


def decode(build, *, scene_id, layer_count):
    """Option codes in build order, if ``build`` was made for this scene and layer count."""
    if scene_id_of(build) != scene_id:
        raise ShareCodeError("This share code belongs to another scene.")
    parts = build.split(".")[1:-1]
    if layer_count == 0 and parts == ["_"]:
        codes = []
    elif len(parts) == layer_count:
        codes = parts
    elif len(parts) == 1 and len(parts[0]) == layer_count:
        codes = list(parts[0])
    else:
        raise ShareCodeError("This share code does not match the scene's layers.")
    if not hmac.compare_digest(_check(scene_id, codes), build.rsplit(".", 1)[1]):
        raise ShareCodeError("Share code checksum mismatch.")
    return codes
