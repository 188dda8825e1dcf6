"""A synthetic, photo-like equirect scene for the benchmark (and smoke tests)."""

import hashlib
from pathlib import Path

import numpy as np
from PIL import Image

from .types import ImageInput, LayerInput, SceneInput

# (yaw from, yaw to, pitch from, pitch to) in degrees: 5.9 %, 4.3 %, 4.4 % of the sphere;
# the floor reaches past the pole and the seam so that it has no soft edge there
LAYER_BOXES = [(-181, 181, 62, 91), (-45, 0, -15, 25), (60, 130, 8, 36)]


def file_digest(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def write_scene(directory, *, width: int = 8192, options: int = 4, seed: int = 0) -> SceneInput:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    height = width // 2
    rng = np.random.default_rng(seed)
    base = _photo_like(rng, width, height)
    base_input = _save(directory / "base.jpg", base)
    layers = []
    for number, box in enumerate(LAYER_BOXES):
        mask_input = _save(directory / f"mask_{number}.png", _box_mask(width, height, box))
        option_inputs = {}
        for code in range(options):
            texture = _texture(rng, width, height, number, code)
            option_inputs[f"o{code}"] = _save(directory / f"option_{number}_{code}.jpg", texture)
        layers.append(LayerInput(key=f"layer{number}", mask=mask_input, options=option_inputs))
    return SceneInput(projection="equirect", base=base_input, layers=layers)


def _save(path: Path, pixels: np.ndarray) -> ImageInput:
    if path.suffix == ".jpg":
        Image.fromarray(pixels).save(path, quality=90)
    else:
        Image.fromarray(pixels).save(path, compress_level=1)
    return ImageInput(path=str(path), digest=file_digest(path))


def _smooth_noise(rng, width, height, cells, channels=3) -> np.ndarray:
    small = rng.random((max(2, cells // 2), cells, channels)).astype(np.float32)
    image = Image.fromarray((small * 255).astype(np.uint8)).resize((width, height), Image.Resampling.BICUBIC)
    return np.asarray(image).astype(np.float32) / 255


def _photo_like(rng, width, height) -> np.ndarray:
    light = np.linspace(1.1, 0.6, height, dtype=np.float32)[:, None, None]
    pixels = 0.55 * _smooth_noise(rng, width, height, 16) + 0.3 * _smooth_noise(rng, width, height, 256)
    pixels = pixels * light * 255
    pixels += rng.normal(0, 6, (height, width, 1)).astype(np.float32)
    return np.clip(pixels, 0, 255).astype(np.uint8)


def _texture(rng, width, height, layer, code) -> np.ndarray:
    """Woven stripes with grain, built from one repeating 1024-px swatch (fast to generate)."""
    tint = rng.uniform(0.3, 1.0, 3).astype(np.float32)
    period = 1024 / (8 + 4 * code + 2 * layer)
    swatch_side = min(1024, height)
    steps = np.arange(swatch_side, dtype=np.float32) / period * 2 * np.pi
    stripes = 0.75 + 0.25 * np.sin(steps)[None, :] * np.cos(steps / 2)[:, None]
    grain = rng.normal(1.0, 0.08, (swatch_side, swatch_side)).astype(np.float32)
    swatch = np.clip((stripes * grain)[:, :, None] * tint * 220, 0, 255).astype(np.uint8)
    return np.tile(swatch, (height // swatch_side, width // swatch_side, 1))


def _box_mask(width, height, box) -> np.ndarray:
    """Antialiased (about 8 px ramps) yaw/pitch box as 8-bit grey."""
    yaw_from, yaw_to, pitch_from, pitch_to = box
    yaw = ((np.arange(width) + 0.5) / width - 0.5) * 360
    pitch = ((np.arange(height) + 0.5) / height - 0.5) * 180
    ramp_yaw = _ramp(yaw, yaw_from, yaw_to, 360 / width * 8)
    ramp_pitch = _ramp(pitch, pitch_from, pitch_to, 180 / height * 8)
    return np.round(np.minimum.outer(ramp_pitch, ramp_yaw) * 255).astype(np.uint8)


def _ramp(values, low, high, soft) -> np.ndarray:
    return np.clip(np.minimum(values - low, high - values) / soft + 0.5, 0, 1)
