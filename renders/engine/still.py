"""Flat images: rectilinear stills, stills from 2D images, and the small equirect preview."""

import math

import numpy as np
from PIL import Image, UnidentifiedImageError

from .composite import blend_into
from .geometry import direction_to_face, yaw_pitch_to_direction
from .types import FACES, EngineInputError

MAX_STILL_SIDE = 8192


def still_pixels(scene, selection, *, yaw, pitch, fov, width, height) -> np.ndarray:
    _check_size(width, height)
    if not 1 <= fov <= 170:
        raise EngineInputError(f"fov must be between 1 and 170 degrees, not {fov}")
    if scene.manifest["still"]["base"] is not None:
        return _still_from_flat_images(scene, selection, width=width, height=height)
    return rectilinear_view(scene, selection, yaw=yaw, pitch=pitch, fov=fov, width=width, height=height)


def rectilinear_view(scene, selection, *, yaw, pitch, fov, width, height) -> np.ndarray:
    """A pinhole view: yaw/pitch of the view centre and horizontal fov in degrees."""
    half = math.tan(math.radians(fov) / 2)
    needed = width / half  # face pixels per face so the view centre is not magnified
    level = next((n for n, lv in enumerate(scene.levels) if lv.size >= needed), len(scene.levels) - 1)
    faces = scene.composed_faces(selection, level)
    # camera rays: x right, y up, z forward, then pitch about x and yaw about y
    xs = ((np.arange(width) + 0.5) / width * 2 - 1) * half
    ys = -((np.arange(height) + 0.5) / height * 2 - 1) * half * height / width
    x, y = np.meshgrid(xs, ys)
    z = np.ones_like(x)
    p, q = math.radians(pitch), math.radians(yaw)
    y, z = y * math.cos(p) - z * math.sin(p), y * math.sin(p) + z * math.cos(p)
    x, z = x * math.cos(q) + z * math.sin(q), -x * math.sin(q) + z * math.cos(q)
    return sample_cube(faces, x, y, z)


def equirect_preview(scene, selection, *, width) -> np.ndarray:
    _check_size(width, width // 2)
    height = width // 2
    faces = scene.composed_faces(selection, 0)
    yaw = ((np.arange(width) + 0.5) / width - 0.5) * 2 * math.pi
    pitch = ((np.arange(height) + 0.5) / height - 0.5) * math.pi
    yaw, pitch = np.meshgrid(yaw, pitch)
    return sample_cube(faces, *yaw_pitch_to_direction(yaw, pitch))


def sample_cube(faces: dict, x, y, z) -> np.ndarray:
    """Bilinear samples of composed faces along directions (clamped at face edges)."""
    face_index, u, v = direction_to_face(x, y, z)
    out = np.zeros((*np.shape(x), 3), dtype=np.uint8)
    for number, name in enumerate(FACES):
        selected = face_index == number
        if not selected.any():
            continue
        pixels = faces[name]
        size = pixels.shape[0]
        px = np.clip((u[selected] + 1) / 2 * size - 0.5, 0, size - 1)
        py = np.clip((v[selected] + 1) / 2 * size - 0.5, 0, size - 1)
        x0 = np.minimum(px.astype(np.int64), size - 2)
        y0 = np.minimum(py.astype(np.int64), size - 2)
        fx = (px - x0)[:, None]
        fy = (py - y0)[:, None]
        top = pixels[y0, x0] * (1 - fx) + pixels[y0, x0 + 1] * fx
        bottom = pixels[y0 + 1, x0] * (1 - fx) + pixels[y0 + 1, x0 + 1] * fx
        out[selected] = np.floor(top * (1 - fy) + bottom * fy + 0.5).astype(np.uint8)
    return out


def _still_from_flat_images(scene, selection, *, width, height) -> np.ndarray:
    """Still base with each chosen option's 2D image over it, in build order.

    A 2D option image covers the base where its alpha channel says (no alpha: everywhere);
    an option without a 2D image leaves the still as it is.
    """
    still = scene.manifest["still"]
    base = _open_flat(scene, still["base"]["file"], "still base").convert("RGB")
    out = np.array(base)
    by_key = {(item["layer"], item["option"]): item["file"] for item in still["options"]}
    for key in scene.layer_keys:
        name = by_key.get((key, selection[key]))
        if name is None:
            continue
        option = _open_flat(scene, name, f"layer {key!r} option {selection[key]!r} still")
        option = option.convert("RGBA").resize(base.size, Image.Resampling.BILINEAR)
        rgba = np.asarray(option)
        blend_into(out, rgba[:, :, :3], rgba[:, :, 3])
    return _cover(out, width, height)


def _cover(pixels: np.ndarray, width: int, height: int) -> np.ndarray:
    image = Image.fromarray(pixels)
    scale = max(width / image.width, height / image.height)
    scaled = (max(width, round(image.width * scale)), max(height, round(image.height * scale)))
    image = image.resize(scaled, Image.Resampling.BICUBIC)
    left, top = (scaled[0] - width) // 2, (scaled[1] - height) // 2
    return np.asarray(image.crop((left, top, left + width, top + height)))


def _open_flat(scene, name: str, role: str) -> Image.Image:
    try:
        image = Image.open(scene.directory / name)
        image.load()
    except (OSError, UnidentifiedImageError) as error:
        raise EngineInputError(f"{role}: cannot read image ({error})") from None
    return image


def _check_size(width: int, height: int) -> None:
    if not (16 <= width <= MAX_STILL_SIDE and 16 <= height <= MAX_STILL_SIDE):
        raise EngineInputError(f"image size {width}×{height} is out of range")
