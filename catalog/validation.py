"""Checks every catalog image passes before it is stored.

Only image headers are read here (Pillow's ``Image.open`` is lazy), so a
decompression bomb is refused before a single pixel is decoded. Masks are the
one exception: a colour mask is decoded once to convert it to 8-bit grey.
"""

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageChops, UnidentifiedImageError

ALLOWED_FORMATS = {"PNG": ".png", "JPEG": ".jpg", "WEBP": ".webp"}
# Projection values as stored in Scene.projection (catalog.models.Projection).
EQUIRECTANGULAR, LEGACY_STRIP = "equirect", "strip"
PROJECTION_RATIOS = {EQUIRECTANGULAR: 2, LEGACY_STRIP: 6}
PROJECTION_LABELS = {EQUIRECTANGULAR: "equirectangular 2:1 projection", LEGACY_STRIP: "legacy 6:1 strip projection"}
# Tiles are 512 pixels: a cube face smaller than one tile cannot be tiled.
MIN_FACE_SIZE = 512


@dataclass(frozen=True)
class ImageInfo:
    format: str
    width: int
    height: int
    mode: str

    @property
    def size(self):
        return (self.width, self.height)


def inspect_image(file):
    """Sniff an uploaded file: real format, size in bytes and pixels, header only.

    Raises ValidationError with a message fit for the field the file was given to.
    """
    _check_byte_size(file)
    position = _tell(file)
    try:
        _seek(file, 0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                info = ImageInfo(image.format or "", image.width, image.height, image.mode)
                frames = getattr(image, "n_frames", 1)
                orientation = image.getexif().get(EXIF_ORIENTATION, 1) if info.format == "JPEG" else 1
    except Image.DecompressionBombError:
        raise ValidationError(_too_many_pixels_message(None), code="too_many_pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(
            "This file is not a PNG, JPEG or WebP image (or it is damaged).", code="invalid_format"
        ) from None
    finally:
        _seek(file, position or 0)
    if info.format not in ALLOWED_FORMATS:
        raise ValidationError(
            f"This is a {info.format or 'unknown'} image; upload a PNG, JPEG or WebP file.", code="invalid_format"
        )
    if info.width * info.height > settings.PANOCONFIG_MAX_IMAGE_PIXELS:
        raise ValidationError(_too_many_pixels_message(info), code="too_many_pixels")
    if frames > 1:
        raise ValidationError(
            f"This is an animated image ({frames} frames); upload a single still image.", code="animated"
        )
    if orientation not in (1, None):
        raise ValidationError(
            "This JPEG is marked as rotated or mirrored (EXIF orientation "
            f"{orientation}), so it would be used sideways; save it upright without the rotation tag.",
            code="exif_rotated",
        )
    if not _ends_complete(file, info.format):
        raise ValidationError(
            "This file is incomplete: its data stops before the end of the image (truncated upload?).",
            code="truncated",
        )
    return info


EXIF_ORIENTATION = 0x0112
_PNG_END = b"IEND\xaeB`\x82"
_JPEG_END = b"\xff\xd9"


def _ends_complete(file, fmt):
    """Whether the file holds its format's end marker, read from the last bytes only (no decoding)."""
    position = _tell(file)
    try:
        _seek(file, 0, 2)
        size = _tell(file)
        _seek(file, max(0, size - 4096))
        tail = file.read()
        if fmt == "WEBP":
            _seek(file, 0)
            head = file.read(8)
            return len(head) == 8 and int.from_bytes(head[4:8], "little") + 8 <= size
    finally:
        _seek(file, position or 0)
    if fmt == "PNG":
        return _PNG_END in tail
    if fmt == "JPEG":
        return _JPEG_END in tail
    return True


def projection_of_size(width, height):
    """The projection an image's aspect tells (2:1 or 6:1), else None."""
    for projection, ratio in PROJECTION_RATIOS.items():
        if height > 0 and width == ratio * height:
            return projection
    return None


def face_size(projection, width, height):
    return width // 4 if projection == EQUIRECTANGULAR else height


def check_panorama(info, projection):
    """A scene's base: the aspect of its projection, and cube faces of at least 512 pixels."""
    ratio = PROJECTION_RATIOS[projection]
    label = PROJECTION_LABELS[projection]
    if info.width != ratio * info.height:
        raise ValidationError(
            f"This image is {info.width}×{info.height}; a scene in {label} needs an image exactly "
            f"{ratio} times as wide as it is high (for example {ratio * 1024}×1024).",
            code="wrong_aspect",
        )
    face = face_size(projection, info.width, info.height)
    if face < MIN_FACE_SIZE:
        smallest = (4 * MIN_FACE_SIZE, 2 * MIN_FACE_SIZE) if ratio == 2 else (6 * MIN_FACE_SIZE, MIN_FACE_SIZE)
        raise ValidationError(
            f"This image is {info.width}×{info.height}, which gives cube faces of {face} pixels; "
            f"faces must be at least {MIN_FACE_SIZE} pixels to tile (at least {smallest[0]}×{smallest[1]}).",
            code="face_too_small",
        )


def check_same_size(info, expected, what="the scene's base image"):
    if info.size != tuple(expected):
        raise ValidationError(
            f"This image is {info.width}×{info.height} but {what} is {expected[0]}×{expected[1]}; "
            "every image of a scene must have the same size.",
            code="size_mismatch",
        )


def grey_mask_file(file, info):
    """The mask as 8-bit grey: the file itself when it already is, else a converted PNG.

    Colour and alpha masks become grey by luminance times alpha, so both a grey
    mask and a white-on-transparent mask keep their antialiased edges.
    """
    if info.mode == "L":
        return file
    _seek(file, 0)
    with Image.open(file) as image:
        grey = _to_grey(image)
    buffer = io.BytesIO()
    grey.save(buffer, format="PNG", optimize=False, compress_level=6)
    _seek(file, 0)
    return ContentFile(buffer.getvalue(), name="mask.png")


def _to_grey(image):
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        return image.point(lambda value: value / 256).convert("L")
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("LA", "RGBA", "PA"):
        luminance = image.convert("L")
        alpha = image.getchannel("A")
        return ImageChops.multiply(luminance, alpha)
    return image.convert("L")


def _check_byte_size(file):
    limit_mb = settings.PANOCONFIG_MAX_UPLOAD_MB
    size = getattr(file, "size", None)
    if size is not None and size > limit_mb * 1024 * 1024:
        raise ValidationError(
            f"This file is {size / (1024 * 1024):.1f} MB; the limit is {limit_mb} MB.", code="file_too_large"
        )


def _too_many_pixels_message(info):
    limit = settings.PANOCONFIG_MAX_IMAGE_PIXELS
    dims = f"{info.width}×{info.height} " if info else ""
    return (
        f"This image {dims}has more than {limit / 1_000_000:.0f} million pixels, "
        "the most an upload may hold."
    )


def _tell(file):
    try:
        return file.tell()
    except (AttributeError, OSError, ValueError):
        return 0


def _seek(file, position, whence=0):
    try:
        file.seek(position, whence)
    except (AttributeError, OSError, ValueError):
        pass
