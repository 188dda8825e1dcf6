"""Synthetic inputs for engine tests, written from DESIGN.md's definitions (not the engine's code)."""

import hashlib
import math
from pathlib import Path

import numpy as np
from PIL import Image

from renders.engine import ImageInput, LayerInput, SceneInput


def save(path, pixels, **params) -> ImageInput:
    path = Path(path)
    if path.suffix == ".png":
        params.setdefault("compress_level", 1)  # test speed
    Image.fromarray(np.asarray(pixels, dtype=np.uint8)).save(path, **params)
    return ImageInput(path=str(path), digest=hashlib.sha256(path.read_bytes()).hexdigest())


def equirect_yaw_pitch(width: int) -> tuple[np.ndarray, np.ndarray]:
    """Degrees at each pixel centre: column 0 is yaw -180, top row pitch -90 (up)."""
    height = width // 2
    yaw = ((np.arange(width) + 0.5) / width - 0.5) * 360
    pitch = ((np.arange(height) + 0.5) / height - 0.5) * 180
    return np.meshgrid(yaw, pitch)


def direction(yaw_deg, pitch_deg):
    """Unit vector, x right of f, y up, z towards the centre of f; pitch positive = down."""
    yaw, pitch = np.radians(yaw_deg), np.radians(pitch_deg)
    return np.cos(pitch) * np.sin(yaw), -np.sin(pitch), np.cos(pitch) * np.cos(yaw)


def angular_distance(yaw_deg, pitch_deg, at_yaw, at_pitch):
    x, y, z = direction(yaw_deg, pitch_deg)
    ax, ay, az = direction(at_yaw, at_pitch)
    return np.degrees(np.arccos(np.clip(x * ax + y * ay + z * az, -1, 1)))


def equirect_with_markers(width, markers, radius=3.0, background=(0, 0, 0)) -> np.ndarray:
    """markers: [(yaw, pitch, (r, g, b))] painted as discs of `radius` degrees."""
    yaw, pitch = equirect_yaw_pitch(width)
    pixels = np.empty((*yaw.shape, 3), dtype=np.uint8)
    pixels[:] = background
    for at_yaw, at_pitch, colour in markers:
        pixels[angular_distance(yaw, pitch, at_yaw, at_pitch) < radius] = colour
    return pixels


def constant(width, height, colour) -> np.ndarray:
    pixels = np.empty((height, width, 3), dtype=np.uint8)
    pixels[:] = colour
    return pixels


def grey(width, height, value) -> np.ndarray:
    return np.full((height, width), value, dtype=np.uint8)


def box_mask(width, yaw_range, pitch_range, value=255) -> np.ndarray:
    yaw, pitch = equirect_yaw_pitch(width)
    inside = ((yaw >= yaw_range[0]) & (yaw <= yaw_range[1])
              & (pitch >= pitch_range[0]) & (pitch <= pitch_range[1]))
    return np.where(inside, value, 0).astype(np.uint8)


def centroid(mask: np.ndarray):
    rows, cols = np.nonzero(mask)
    if rows.size == 0:
        return None
    return float(cols.mean()), float(rows.mean())


def face_pixel(u, v, size):
    """Pixel-centre coordinates (x, y) of face coordinates u, v in [-1, 1]."""
    return (u + 1) / 2 * size - 0.5, (v + 1) / 2 * size - 0.5


def tan(degrees):
    return math.tan(math.radians(degrees))


def simple_scene(tmp_path, *, base, layers=(), projection="equirect", name="scene") -> SceneInput:
    """layers: [(key, mask array, {code: pixels or None})]."""
    folder = Path(tmp_path) / name
    folder.mkdir(parents=True, exist_ok=True)
    layer_inputs = []
    for number, (key, mask, options) in enumerate(layers):
        mask_input = save(folder / f"mask{number}.png", mask)
        option_inputs = {
            code: None if pixels is None else save(folder / f"opt{number}_{code}.png", pixels)
            for code, pixels in options.items()
        }
        layer_inputs.append(LayerInput(key=key, mask=mask_input, options=option_inputs))
    return SceneInput(projection=projection, base=save(folder / "base.png", base), layers=layer_inputs)
