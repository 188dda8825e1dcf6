"""Opening and validating input images (libvips, decoded lazily)."""

from pathlib import Path

import numpy as np
import pyvips

from .types import EngineInputError, ImageInput

MAX_PIXELS = 16384 * 8192
ASPECTS = {"equirect": 2, "strip": 6}

# Each image is decoded once per preparation; a cache would only keep old pixels alive.
pyvips.cache_set_max(0)


def open_image(image: ImageInput, *, role: str, sequential: bool = False) -> pyvips.Image:
    """Opens an image's header (no decoding yet); errors name the file and its role.

    Keep headers only briefly: a random-access image keeps its decoded pixels once read.
    """
    path = Path(image.path)
    try:
        # A Source, not a file name: libvips would parse "[options]" out of a name.
        source = pyvips.Source.new_from_file(str(path))
        vips_image = pyvips.Image.new_from_source(
            source, "", fail_on="error", access="sequential" if sequential else "random")
    except pyvips.Error as error:
        raise EngineInputError(f"{role}: cannot read image file {path.name!r}: {_first_line(error)}") from None
    if vips_image.width * vips_image.height > MAX_PIXELS:
        raise EngineInputError(
            f"{role}: image file {path.name!r} is {vips_image.width}×{vips_image.height}, "
            f"more than {MAX_PIXELS} pixels"
        )
    return vips_image


def check_aspect(vips_image: pyvips.Image, *, projection: str, image: ImageInput, role: str) -> None:
    aspect = ASPECTS.get(projection)
    if aspect is None:
        raise EngineInputError(f"unknown projection {projection!r}")
    width, height = vips_image.width, vips_image.height
    if width != aspect * height:
        raise EngineInputError(
            f"{role}: image file {Path(image.path).name!r} is {width}×{height}; "
            f"a {projection} panorama must be exactly {aspect}:1"
        )


def check_same_size(vips_image: pyvips.Image, *, expected: tuple[int, int], image: ImageInput,
                    role: str) -> None:
    size = (vips_image.width, vips_image.height)
    if size != expected:
        raise EngineInputError(
            f"{role}: image file {Path(image.path).name!r} is {size[0]}×{size[1]}, "
            f"but the base image is {expected[0]}×{expected[1]}"
        )


def as_rgb(vips_image: pyvips.Image) -> pyvips.Image:
    vips_image = _as_8bit(vips_image, "srgb")
    if vips_image.bands >= 3:
        return vips_image.extract_band(0, n=3)
    grey = vips_image.extract_band(0)
    return grey.bandjoin([grey, grey])


def as_grey(vips_image: pyvips.Image) -> pyvips.Image:
    vips_image = _as_8bit(vips_image, "b-w")
    if vips_image.bands >= 3:
        vips_image = vips_image.extract_band(0, n=3).colourspace("b-w")
    return vips_image.extract_band(0).cast("uchar")


def decode(vips_image: pyvips.Image, *, image: ImageInput, role: str) -> np.ndarray:
    """Fully decodes to an (H, W, bands) uint8 array, naming the file if its data is broken."""
    try:
        data = vips_image.write_to_memory()
    except pyvips.Error as error:
        raise EngineInputError(
            f"{role}: cannot decode image file {Path(image.path).name!r}: {_first_line(error)}"
        ) from None
    return np.ndarray(buffer=data, dtype=np.uint8,
                      shape=(vips_image.height, vips_image.width, vips_image.bands))


def _as_8bit(vips_image: pyvips.Image, space: str) -> pyvips.Image:
    if vips_image.format != "uchar" or vips_image.interpretation not in ("srgb", "b-w", "multiband"):
        vips_image = vips_image.colourspace(space)
    return vips_image.cast("uchar")


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[-1].strip() if text else "unknown error"


def load_pixels(vips_image: pyvips.Image, *, image: ImageInput, role: str) -> pyvips.Image:
    """Decodes into memory once, so later random-access sampling cannot fail half-way."""
    try:
        return vips_image.copy_memory()
    except pyvips.Error as error:
        raise EngineInputError(
            f"{role}: cannot decode image file {Path(image.path).name!r}: {_first_line(error)}"
        ) from None
