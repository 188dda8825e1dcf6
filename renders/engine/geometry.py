"""Directions, projections and the level pyramid.

World axes: x to the right of face ``f``, y up, z forward (the centre of ``f``).
Yaw grows to the right (``r`` is at yaw +90°), pitch is positive looking down,
as in Marzipano's RectilinearView. Each face is seen from inside the cube with
its rows running downwards: the bottom edge of ``u`` and the top edge of ``d``
touch face ``f``, as Marzipano's CubeGeometry draws them.

Equirectangular pixel (col, row) of a W×H image has its centre at
yaw = ((col + 0.5) / W - 0.5) · 360° and pitch = ((row + 0.5) / H - 0.5) · 180°,
so column 0 is yaw −180°, the centre column yaw 0 and the top row straight up.

Level rule: a source has a natural face size S (equirect: width / 4, the
density at a face centre; legacy strip: its height). The top level is S rounded
to the nearest multiple of 512 (halves round down, at least 512), so a face is
never upscaled by more than 255 px. Lower levels are the top size halved while
it stays a multiple of 512, plus 512 itself, because Marzipano wants every
level to be a multiple of the level below (8192-wide equirect: 512, 1024, 2048;
a 1536 top gives 512, 1536; 3072 gives 512, 1536, 3072). Each level is a box
reduction of the level above by that integer factor.
"""

import math

import numpy as np

from .types import FACES, TILE_SIZE, Level

# face -> (centre, right, down) unit vectors
FACE_BASIS = {
    "f": ((0, 0, 1), (1, 0, 0), (0, -1, 0)),
    "r": ((1, 0, 0), (0, 0, -1), (0, -1, 0)),
    "b": ((0, 0, -1), (-1, 0, 0), (0, -1, 0)),
    "l": ((-1, 0, 0), (0, 0, 1), (0, -1, 0)),
    "u": ((0, 1, 0), (1, 0, 0), (0, 0, 1)),
    "d": ((0, -1, 0), (1, 0, 0), (0, 0, -1)),
}


def top_face_size(natural_size: int) -> int:
    multiple = max(1, math.ceil(natural_size / TILE_SIZE - 0.5))
    return multiple * TILE_SIZE


def level_sizes(top_size: int) -> list[int]:
    multiple = top_size // TILE_SIZE
    sizes = [top_size]
    divisor = 2
    while multiple % divisor == 0:
        sizes.append(top_size // divisor)
        divisor *= 2
    if TILE_SIZE not in sizes:
        sizes.append(TILE_SIZE)
    return sorted(sizes)


def levels_for(top_size: int) -> list[Level]:
    return [Level(TILE_SIZE, size, False) for size in level_sizes(top_size)]


def face_directions(face: str, size: int, x0: int = 0, y0: int = 0, width: int | None = None,
                    height: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unnormalised direction (x, y, z) of each pixel centre of a face rectangle (float32)."""
    width = size if width is None else width
    height = size if height is None else height
    centre, right, down = (np.asarray(v, dtype=np.float32) for v in FACE_BASIS[face])
    u = (np.arange(x0, x0 + width, dtype=np.float32) + 0.5) * (2 / size) - 1
    v = (np.arange(y0, y0 + height, dtype=np.float32) + 0.5) * (2 / size) - 1
    uu, vv = np.meshgrid(u, v)
    return tuple(centre[k] + uu * right[k] + vv * down[k] for k in range(3))


def directions_to_yaw_pitch(x, y, z):
    """Yaw and pitch in radians (pitch positive looking down)."""
    yaw = np.arctan2(x, z)
    pitch = -np.arctan2(y, np.hypot(x, z))
    return yaw, pitch


def yaw_pitch_to_direction(yaw, pitch):
    """Unit direction for yaw/pitch in radians."""
    cos_el = np.cos(pitch)
    return cos_el * np.sin(yaw), -np.sin(pitch), cos_el * np.cos(yaw)


def equirect_coords(x, y, z, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Source pixel coordinates (pixel centres at integers) of directions in a W×H equirect."""
    yaw, pitch = directions_to_yaw_pitch(x, y, z)
    col = (yaw * np.float32(1 / (2 * math.pi)) + np.float32(0.5)) * width - np.float32(0.5)
    row = (pitch * np.float32(1 / math.pi) + np.float32(0.5)) * height - np.float32(0.5)
    return col.astype(np.float32), row.astype(np.float32)


def direction_to_face(x, y, z) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Face index (into FACES) and face coordinates u, v in [-1, 1] of each direction."""
    x, y, z = (np.asarray(c, dtype=np.float64) for c in (x, y, z))
    ax, ay, az = np.abs(x), np.abs(y), np.abs(z)
    face = np.where(
        (ax >= ay) & (ax >= az),
        np.where(x > 0, FACES.index("r"), FACES.index("l")),
        np.where(ay >= az, np.where(y > 0, FACES.index("u"), FACES.index("d")),
                 np.where(z > 0, FACES.index("f"), FACES.index("b"))),
    )
    u = np.empty_like(x)
    v = np.empty_like(x)
    for index, name in enumerate(FACES):
        selected = face == index
        if not selected.any():
            continue
        centre, right, down = FACE_BASIS[name]
        dx, dy, dz = x[selected], y[selected], z[selected]
        depth = dx * centre[0] + dy * centre[1] + dz * centre[2]
        u[selected] = (dx * right[0] + dy * right[1] + dz * right[2]) / depth
        v[selected] = (dx * down[0] + dy * down[1] + dz * down[2]) / depth
    return face, u, v


def strip_to_faces(strip: np.ndarray) -> dict[str, np.ndarray]:
    """Cut a legacy 6:1 strip into faces (DESIGN.md): flip, six slots r l d u f b."""
    size = strip.shape[0]
    flipped = strip[:, ::-1]
    slots = [flipped[:, k * size:(k + 1) * size] for k in range(6)]
    return {
        "r": slots[0],
        "l": slots[1],
        "d": np.rot90(slots[2], 1),   # counter-clockwise
        "u": np.rot90(slots[3], -1),  # clockwise
        "f": slots[4],
        "b": slots[5],
    }
