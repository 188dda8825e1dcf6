"""Procedural materials for the demo kitchen (numpy only, no Django).

Each material maps surface coordinates in metres (two float32 arrays u, v) to
linear RGB albedo in 0..1, shape (..., 3). Everything is seeded, so the same
call gives the same pixels on every run (seed_demo relies on it to stay
idempotent).
"""

from dataclasses import dataclass
from typing import Callable

import numpy as np

_TABLE_SIZE = 256
_NOISE = np.random.default_rng(20240611).random((_TABLE_SIZE, _TABLE_SIZE), dtype=np.float32)


def value_noise(u, v):
    """Smooth value noise in 0..1, period 256 in both directions."""
    u0 = np.floor(u)
    v0 = np.floor(v)
    fu = u - u0
    fv = v - v0
    fu = fu * fu * (3 - 2 * fu)
    fv = fv * fv * (3 - 2 * fv)
    i0 = u0.astype(np.int32) & (_TABLE_SIZE - 1)
    j0 = v0.astype(np.int32) & (_TABLE_SIZE - 1)
    i1 = (i0 + 1) & (_TABLE_SIZE - 1)
    j1 = (j0 + 1) & (_TABLE_SIZE - 1)
    top = _NOISE[j0, i0] * (1 - fu) + _NOISE[j0, i1] * fu
    bottom = _NOISE[j1, i0] * (1 - fu) + _NOISE[j1, i1] * fu
    return top * (1 - fv) + bottom * fv


def fbm(u, v, octaves=4):
    total = np.zeros_like(u)
    amplitude, frequency, norm = 1.0, 1.0, 0.0
    for octave in range(octaves):
        total += amplitude * value_noise(u * frequency + 17.3 * octave, v * frequency + 5.1 * octave)
        norm += amplitude
        amplitude *= 0.5
        frequency *= 2.0
    return total / norm


def cell_random(i, j, salt=0):
    """A stable pseudo-random 0..1 value per integer cell (i, j)."""
    return _NOISE[(j * 7 + salt * 13) & 255, (i * 3 + salt * 29) & 255]


def _rgb(color):
    return np.asarray(color, dtype=np.float32) / 255.0


def _mix(a, b, t):
    t = t[..., None]
    return a * (1 - t) + b * t


def _smoothstep(edge0, edge1, x):
    t = np.clip((x - edge0) / (edge1 - edge0), 0, 1)
    return t * t * (3 - 2 * t)


def marble(base, vein, scale=1.0):
    base, vein = _rgb(base), _rgb(vein)

    def albedo(u, v):
        u, v = u / scale, v / scale
        warp = fbm(u * 1.3, v * 1.3, 5)
        line = np.abs(np.sin((u * 1.7 + v * 0.9 + warp * 5.0) * np.pi))
        veins = 1 - _smoothstep(0.0, 0.12, line)
        fine = 1 - _smoothstep(0.0, 0.05, np.abs(np.sin((u * 4.1 - v * 2.3 + warp * 9.0) * np.pi)))
        cloud = fbm(u * 3 + 9, v * 3, 3)
        colour = _mix(base, base * 0.93, cloud)
        return _mix(colour, vein, np.clip(veins * 0.75 + fine * 0.3, 0, 1))

    return albedo


def granite(base, flecks):
    base = _rgb(base)
    flecks = [_rgb(c) for c in flecks]

    def albedo(u, v):
        colour = _mix(base, base * 1.25, fbm(u * 8, v * 8, 2))
        for index, fleck in enumerate(flecks):
            grain = value_noise(u * 140 + 31 * index, v * 140 + 11 * index)
            colour = _mix(colour, fleck, _smoothstep(0.72, 0.8, grain))
        return colour

    return albedo


def wood_planks(light, dark, plank_width=0.19, plank_length=1.4):
    light, dark = _rgb(light), _rgb(dark)

    def albedo(u, v):
        row = np.floor(v / plank_width).astype(np.int32)
        shifted = u + cell_random(row, 0, 1) * plank_length
        column = np.floor(shifted / plank_length).astype(np.int32)
        tone = cell_random(row, column, 2)
        grain_warp = fbm(shifted * 0.8, v * 9, 3)
        rings = 0.5 + 0.5 * np.sin((v * 55 + grain_warp * 6 + tone * 10) * np.pi)
        colour = _mix(light, dark, np.clip(rings * 0.25 + tone * 0.45, 0, 1))
        seam_v = np.abs(v / plank_width - np.round(v / plank_width)) * plank_width
        seam_u = np.abs(shifted / plank_length - np.round(shifted / plank_length)) * plank_length
        seam = np.minimum(seam_v, seam_u)
        return colour * (0.55 + 0.45 * _smoothstep(0.0, 0.004, seam))[..., None]

    return albedo


def tiles(colour, grout, width, height, offset=0.0, variation=0.08, grout_width=0.004, checker=None):
    colour, grout = _rgb(colour), _rgb(grout)
    second = _rgb(checker) if checker is not None else None

    def albedo(u, v):
        row = np.floor(v / height).astype(np.int32)
        shifted = u + (row % 2) * offset * width
        column = np.floor(shifted / width).astype(np.int32)
        tint = 1 + (cell_random(column, row, 3) - 0.5) * 2 * variation
        face = colour
        if second is not None:
            face = np.where(((row + column) % 2 == 0)[..., None], colour, second)
        face = face * tint[..., None] * (0.96 + 0.08 * value_noise(u * 30, v * 30))[..., None]
        du = np.abs(shifted / width - np.round(shifted / width)) * width
        dv = np.abs(v / height - np.round(v / height)) * height
        in_grout = 1 - _smoothstep(grout_width * 0.5, grout_width, np.minimum(du, dv))
        return _mix(face, np.broadcast_to(grout, face.shape), in_grout)

    return albedo


def concrete(colour):
    colour = _rgb(colour)

    def albedo(u, v):
        cloud = fbm(u * 2.5, v * 2.5, 4)
        fine = value_noise(u * 90, v * 90)
        pores = _smoothstep(0.9, 0.95, value_noise(u * 60 + 7, v * 60 + 3))
        shade = 0.82 + 0.3 * cloud + 0.06 * fine - 0.25 * pores
        return colour * shade[..., None]

    return albedo


def paint(colour, panel=0.6, groove=0.006):
    colour = _rgb(colour)

    def albedo(u, v):
        d = np.abs(u / panel - np.round(u / panel)) * panel
        grooves = 0.6 + 0.4 * _smoothstep(0.0, groove, d)
        return colour * (grooves * (0.97 + 0.03 * value_noise(u * 20, v * 20)))[..., None]

    return albedo


def walnut_doors(panel=0.6):
    wood = wood_planks((150, 100, 66), (92, 58, 36), plank_width=0.9, plank_length=3.0)

    def albedo(u, v):
        d = np.abs(u / panel - np.round(u / panel)) * panel
        return wood(v, u) * (0.55 + 0.45 * _smoothstep(0.0, 0.006, d))[..., None]

    return albedo


@dataclass(frozen=True)
class MaterialSpec:
    slug: str
    name: str
    albedo: Callable
    sku: str = ""
    gloss: float = 0.0


MATERIALS = {
    spec.slug: spec
    for spec in [
        MaterialSpec("calacatta-marble", "Calacatta marble", marble((236, 233, 226), (150, 140, 128)), "MB-101", 0.35),
        MaterialSpec("nero-granite", "Nero granite", granite((38, 38, 42), [(92, 92, 98), (140, 132, 120)]), "GR-220", 0.3),
        MaterialSpec("oak-butcher-block", "Oak butcher block", wood_planks((196, 150, 98), (150, 104, 62), 0.045, 0.9), "WD-310"),
        MaterialSpec("grey-concrete", "Grey concrete", concrete((150, 148, 144)), "CN-400"),
        MaterialSpec("white-subway-tile", "White subway tile",
                     tiles((238, 238, 232), (175, 172, 165), 0.15, 0.075, offset=0.5, variation=0.03), "TL-501", 0.25),
        MaterialSpec("sage-zellige", "Sage zellige", tiles((128, 158, 128), (210, 206, 196), 0.1, 0.1, variation=0.12), "TL-520", 0.25),
        MaterialSpec("carrara-marble", "Carrara marble", marble((226, 228, 230), (120, 124, 132), scale=0.6), "MB-110", 0.3),
        MaterialSpec("terracotta-tile", "Terracotta tile", tiles((178, 96, 62), (196, 180, 160), 0.2, 0.2, variation=0.1), "TL-540"),
        MaterialSpec("natural-oak-floor", "Natural oak planks", wood_planks((186, 140, 92), (134, 92, 56)), "FL-600"),
        MaterialSpec("slate-grey-tile", "Slate grey tile", tiles((96, 98, 104), (70, 70, 72), 0.6, 0.6, variation=0.06), "FL-610"),
        MaterialSpec("polished-concrete", "Polished concrete", concrete((172, 170, 164)), "FL-620", 0.2),
        MaterialSpec("checker-tile", "Black and white checker",
                     tiles((232, 230, 224), (120, 120, 120), 0.3, 0.3, variation=0.02, checker=(40, 40, 44)), "FL-630", 0.15),
        MaterialSpec("white-lacquer", "White lacquer", paint((232, 230, 224)), "CB-700", 0.2),
        MaterialSpec("sage-paint", "Sage green paint", paint((140, 160, 138)), "CB-710"),
        MaterialSpec("navy-paint", "Navy blue paint", paint((44, 58, 86)), "CB-720"),
        MaterialSpec("walnut-veneer", "Walnut veneer", walnut_doors(), "CB-730"),
    ]
}


def swatch(slug, size=256, metres=0.8):
    """A square sample of the material, lit from the top left: its catalog thumbnail."""
    spec = MATERIALS[slug]
    axis = (np.arange(size, dtype=np.float32) + 0.5) / size * metres
    u, v = np.meshgrid(axis + 0.37, axis + 0.21)
    light = 1.05 - 0.25 * ((u - 0.37) + (v - 0.21)) / (2 * metres)
    rgb = spec.albedo(u, v) * light[..., None]
    return to_srgb8(rgb)


def to_srgb8(rgb):
    return (np.clip(rgb, 0, 1) ** (1 / 1.25) * 255 + 0.5).astype(np.uint8)
