"""A procedurally generated kitchen as an equirectangular panorama (numpy only, no Django).

The camera stands 1.6 m above the floor of a 6 × 6 m room: a counter with a
backsplash and a window ahead (yaw 0), an island between. Each pixel's ray is
traced against the room and a few boxes; pixels on an edge between surfaces are
supersampled 4×4, which gives antialiased masks and images. Swapping the
material of one layer's surfaces and re-shading only its pixels gives that
layer's option images.

Conventions (DESIGN.md): column 0 is yaw −180°, the centre column yaw 0, the top
row straight up; yaw grows to the right. Here +z is ahead, +x right, +y up.
"""

from dataclasses import dataclass

import numpy as np

from catalog.demo_materials import MATERIALS, to_srgb8

# Surfaces
FLOOR, CEILING, WALL, BACKSPLASH, WINDOW, COUNTERTOP, CABINET, DOOR = range(8)
ROOM_MIN = np.array([-3.0, -1.6, -2.6], dtype=np.float32)
ROOM_MAX = np.array([3.0, 1.1, 3.0], dtype=np.float32)
# Boxes: (min corner, max corner, surface)
BOXES = [
    ((-2.4, -1.6, 2.42), (2.4, -0.74, 3.0), CABINET),  # counter along the front wall
    ((-2.43, -0.74, 2.37), (2.43, -0.7, 3.0), COUNTERTOP),  # its worktop, overhanging 5 cm
    ((-0.95, -1.6, 1.0), (0.95, -0.74, 1.7), CABINET),  # island
    ((-1.02, -0.74, 0.93), (1.02, -0.7, 1.77), COUNTERTOP),  # island worktop
    ((-2.4, 0.2, 2.66), (-0.95, 0.95, 3.0), CABINET),  # wall cabinets either side of the window
    ((0.95, 0.2, 2.66), (2.4, 0.95, 3.0), CABINET),
]
FLOOR_STANDING = [box for box in BOXES if box[0][1] <= ROOM_MIN[1] and box[2] == CABINET]
BACKSPLASH_AREA = ((-2.43, 2.43), (-0.7, 0.0))  # x and y ranges on the front wall
WINDOW_AREA = ((-0.75, 0.75), (0.15, 0.85))
LIGHT = np.array([0.0, 0.55, 1.2], dtype=np.float32)
FILL_LIGHT = np.array([0.0, 0.2, -1.8], dtype=np.float32)
DOOR_AREA = ((-0.45, 0.45), (-1.6, 0.5))  # on the back wall, behind the camera
SIDE_WINDOW_AREA = ((0.25, 1.75), WINDOW_AREA[1])  # z and y ranges on the right wall
WALL_COLOUR = np.array([0.86, 0.83, 0.78], dtype=np.float32)
CEILING_COLOUR = np.array([0.93, 0.92, 0.9], dtype=np.float32)

SUPERSAMPLE = 4
BAND_ROWS = 128


@dataclass(frozen=True)
class DemoLayer:
    slug: str
    name: str
    surface: int
    materials: tuple  # material slugs; the first one is in the base image
    poi: tuple  # yaw, pitch of the camera's point of interest


LAYERS = (
    DemoLayer("countertop", "Countertop", COUNTERTOP,
              ("calacatta-marble", "nero-granite", "oak-butcher-block", "grey-concrete"), (0.0, 30.0)),
    DemoLayer("backsplash", "Backsplash", BACKSPLASH,
              ("white-subway-tile", "sage-zellige", "carrara-marble", "terracotta-tile"), (0.0, 5.0)),
    DemoLayer("floor", "Floor", FLOOR,
              ("natural-oak-floor", "slate-grey-tile", "polished-concrete", "checker-tile"), (0.0, 55.0)),
    DemoLayer("cabinets", "Cabinets", CABINET,
              ("white-lacquer", "sage-paint", "navy-paint", "walnut-veneer"), (0.0, 35.0)),
)


def default_materials():
    return {layer.surface: layer.materials[0] for layer in LAYERS}


class Kitchen:
    """Traces the room once at a given width, then gives the base, masks and option images."""

    def __init__(self, width=4096):
        if width % 2:
            raise ValueError("width must be even")
        self.width, self.height = width, width // 2
        self.surfaces, centre_colours = self._trace_centres()
        self.edge_rows, self.edge_cols = np.nonzero(_edges(self.surfaces))
        self.on_edge = np.zeros(self.surfaces.shape, dtype=bool)
        self.on_edge[self.edge_rows, self.edge_cols] = True
        edge_dirs = _directions(self.edge_rows, self.edge_cols, self.width, self.height, SUPERSAMPLE)
        self.edge_hits = trace(edge_dirs.reshape(-1, 3))
        self._base = self._render_edges(default_materials(), None, centre_colours)
        self._masks = {}

    def base(self):
        return self._base

    def mask(self, layer):
        if layer.slug not in self._masks:
            self._masks[layer.slug] = self._mask(layer)
        return self._masks[layer.slug]

    def _mask(self, layer):
        mask = (self.surfaces == layer.surface).astype(np.float32) * 255
        coverage = (self.edge_hits.surface == layer.surface).reshape(-1, SUPERSAMPLE**2).mean(axis=1)
        mask[self.edge_rows, self.edge_cols] = coverage * 255
        return (mask + 0.5).astype(np.uint8)

    def option(self, layer, material_slug):
        """The whole panorama with ``layer`` in another material (the base elsewhere)."""
        materials = {**default_materials(), layer.surface: material_slug}
        inside = self.mask(layer) > 0
        image = self._base.copy()
        self._render_interior(materials, inside & ~self.on_edge, image)
        return self._render_edges(materials, inside, image)

    def _trace_centres(self):
        """Surface ids and base colours through each pixel's centre."""
        surfaces = np.empty((self.height, self.width), dtype=np.int8)
        colours = np.empty((self.height, self.width, 3), dtype=np.uint8)
        materials = default_materials()
        for top in range(0, self.height, BAND_ROWS):
            rows, cols = _band(top, min(top + BAND_ROWS, self.height), self.width)
            hits = trace(_directions(rows, cols, self.width, self.height, 1).reshape(-1, 3))
            surfaces[rows, cols] = hits.surface
            colours[rows, cols] = to_srgb8(shade(hits, materials))
        return surfaces, colours

    def _render_interior(self, materials, wanted, image):
        for top in range(0, self.height, BAND_ROWS):
            rows, cols = np.nonzero(wanted[top : top + BAND_ROWS])
            if len(rows):
                rows = rows + top
                hits = trace(_directions(rows, cols, self.width, self.height, 1).reshape(-1, 3))
                image[rows, cols] = to_srgb8(shade(hits, materials))

    def _render_edges(self, materials, pixels, image):
        """Edge pixels (all, or those inside ``pixels``) as the mean of their 4×4 samples."""
        wanted = np.ones(len(self.edge_rows), dtype=bool) if pixels is None else pixels[self.edge_rows, self.edge_cols]
        if wanted.any():
            samples = np.repeat(wanted, SUPERSAMPLE**2)
            colours = shade(self.edge_hits.take(samples), materials).reshape(-1, SUPERSAMPLE**2, 3)
            image[self.edge_rows[wanted], self.edge_cols[wanted]] = to_srgb8(colours.mean(axis=1))
        return image


@dataclass
class Hits:
    point: np.ndarray  # (N, 3)
    axis: np.ndarray  # (N,) axis of the surface normal: 0 x, 1 y, 2 z
    sign: np.ndarray  # (N,) +1 or -1, the normal's direction along that axis
    surface: np.ndarray  # (N,) surface id

    def take(self, selector):
        return Hits(self.point[selector], self.axis[selector], self.sign[selector], self.surface[selector])


def trace(dirs):
    """Nearest hit of rays from the camera (the origin) along ``dirs`` (N, 3)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        inverse = 1.0 / dirs
        # Leaving the room: the nearest of the three walls the ray points at.
        bounds = np.where(dirs > 0, ROOM_MAX, ROOM_MIN)
        t_axes = bounds * inverse
        t_axes[~np.isfinite(t_axes)] = np.inf
        axis = np.argmin(t_axes, axis=1)
        t = t_axes[np.arange(len(dirs)), axis]
        sign = -np.sign(dirs[np.arange(len(dirs)), axis]).astype(np.int8)
        surface = np.full(len(dirs), WALL, dtype=np.int8)
        surface[(axis == 1) & (sign > 0)] = FLOOR
        surface[(axis == 1) & (sign < 0)] = CEILING
        for low, high, box_surface in BOXES:
            low, high = np.asarray(low, np.float32), np.asarray(high, np.float32)
            rays = np.flatnonzero(_may_reach(dirs, low, high))
            t0 = low * inverse[rays]
            t1 = high * inverse[rays]
            near = np.minimum(t0, t1)
            far = np.maximum(t0, t1)
            near[np.isnan(near)] = -np.inf
            far[np.isnan(far)] = np.inf
            box_axis = np.argmax(near, axis=1)
            t_in = near[np.arange(len(rays)), box_axis]
            hit = (t_in <= far.min(axis=1)) & (t_in > 0) & (t_in < t[rays])
            rays, box_axis = rays[hit], box_axis[hit]
            t[rays] = t_in[hit]
            axis[rays] = box_axis
            sign[rays] = -np.sign(dirs[rays, box_axis]).astype(np.int8)
            surface[rays] = box_surface
    point = dirs * t[:, None]
    on_front_wall = (surface == WALL) & (axis == 2) & (sign < 0)
    surface[on_front_wall & _inside(point, BACKSPLASH_AREA)] = BACKSPLASH
    surface[on_front_wall & _inside(point, WINDOW_AREA)] = WINDOW
    on_back_wall = (surface == WALL) & (axis == 2) & (sign > 0)
    surface[on_back_wall & _inside(point, DOOR_AREA)] = DOOR
    on_right_wall = (surface == WALL) & (axis == 0) & (sign < 0)
    surface[on_right_wall & _inside(point[:, [2, 1]], SIDE_WINDOW_AREA)] = WINDOW
    return Hits(point.astype(np.float32), axis, sign, surface)


def shade(hits, materials):
    """Linear RGB of each hit: the surface's albedo under a ceiling light and soft ambient."""
    albedo = np.empty((len(hits.surface), 3), dtype=np.float32)
    u, v = _surface_coordinates(hits)
    gloss = np.zeros(len(hits.surface), dtype=np.float32)
    for surface in np.unique(hits.surface):
        sel = hits.surface == surface
        if surface in materials:
            spec = MATERIALS[materials[surface]]
            albedo[sel] = spec.albedo(u[sel], v[sel])
            gloss[sel] = spec.gloss
        elif surface == CEILING:
            albedo[sel] = CEILING_COLOUR
        elif surface == WINDOW:
            albedo[sel] = _sky(hits.point[sel], hits.axis[sel])
        elif surface == DOOR:
            albedo[sel] = MATERIALS["walnut-veneer"].albedo(u[sel], v[sel]) * 0.9
        else:
            albedo[sel] = WALL_COLOUR
    light = _lighting(hits, gloss)
    colour = albedo * light[:, None]
    window = hits.surface == WINDOW
    colour[window] = albedo[window]
    return 1 - np.exp(-1.5 * colour)  # soft highlights instead of clipping


def _lighting(hits, gloss):
    normal = np.zeros_like(hits.point)
    normal[np.arange(len(hits.axis)), hits.axis] = hits.sign
    to_light = LIGHT - hits.point
    distance2 = np.einsum("ij,ij->i", to_light, to_light)
    cosine = np.clip(np.einsum("ij,ij->i", normal, to_light) / np.sqrt(distance2), 0, 1)
    direct = 1.3 * cosine / (1.0 + 0.25 * distance2)
    to_fill = FILL_LIGHT - hits.point
    fill_cosine = np.clip(np.einsum("ij,ij->i", normal, to_fill) / np.linalg.norm(to_fill, axis=1), 0, 1)
    fill = 0.35 * fill_cosine
    window_light = 0.15 * np.clip(hits.point[:, 2] / ROOM_MAX[2], 0, 1) * (hits.axis == 1)
    highlight = gloss * cosine**24 * 0.6
    return (0.45 + fill) * _occlusion(hits.point) + direct + window_light + highlight


def _occlusion(point):
    """Darker in corners: near two room planes at once, and on the floor around the boxes."""
    near_planes = np.minimum(point - ROOM_MIN, ROOM_MAX - point)
    soft = 1 - 0.45 * np.exp(-near_planes / 0.35)
    occlusion = np.sort(soft, axis=1)[:, 1]  # the second-nearest plane: the corner's darkening
    for low, high, _ in FLOOR_STANDING:
        dx = np.maximum(np.maximum(low[0] - point[:, 0], point[:, 0] - high[0]), 0)
        dz = np.maximum(np.maximum(low[2] - point[:, 2], point[:, 2] - high[2]), 0)
        on_floor = point[:, 1] < ROOM_MIN[1] + 0.01
        occlusion = np.where(on_floor, occlusion * (1 - 0.5 * np.exp(-np.hypot(dx, dz) / 0.18)), occlusion)
    return occlusion


def _sky(point, axis):
    # The side window shows the same sky; its panes run along z instead of x.
    point = np.where((axis == 0)[:, None], point[:, [2, 1, 0]] - [1.0, 0.0, 0.0], point)
    height = np.clip((point[:, 1] - WINDOW_AREA[1][0]) / (WINDOW_AREA[1][1] - WINDOW_AREA[1][0]), 0, 1)
    horizon = np.array([0.95, 0.97, 1.0], dtype=np.float32)
    zenith = np.array([0.55, 0.72, 0.95], dtype=np.float32)
    sky = horizon * (1 - height[:, None]) + zenith * height[:, None]
    frame = (
        (np.abs(point[:, 0]) > WINDOW_AREA[0][1] - 0.04)
        | (np.abs(point[:, 0]) < 0.02)
        | (point[:, 1] < WINDOW_AREA[1][0] + 0.04)
        | (point[:, 1] > WINDOW_AREA[1][1] - 0.04)
    )
    sky[frame] = np.array([0.9, 0.9, 0.88], dtype=np.float32) * 0.8
    return sky


def _surface_coordinates(hits):
    """Two in-plane coordinates in metres: the axes other than the normal's."""
    p = hits.point
    u = np.where(hits.axis == 0, p[:, 2], p[:, 0])
    v = np.where(hits.axis == 1, p[:, 2], p[:, 1])
    return u + 10.0, v + 10.0


def _may_reach(dirs, low, high):
    """Rays that point towards the box at all (the camera is outside every box)."""
    reach = np.ones(len(dirs), dtype=bool)
    for index in range(3):
        if high[index] < 0:
            reach &= dirs[:, index] < 0
        elif low[index] > 0:
            reach &= dirs[:, index] > 0
    return reach


def _inside(point, area):
    (x0, x1), (y0, y1) = area
    return (point[:, 0] >= x0) & (point[:, 0] <= x1) & (point[:, 1] >= y0) & (point[:, 1] <= y1)


def _band(top, bottom, width):
    rows, cols = np.mgrid[top:bottom, 0:width]
    return rows.ravel(), cols.ravel()


def _directions(rows, cols, width, height, samples):
    """Ray directions (N, samples², 3) through ``samples``×``samples`` points of each pixel."""
    offsets = (np.arange(samples, dtype=np.float32) + 0.5) / samples
    oy, ox = np.meshgrid(offsets, offsets, indexing="ij")
    x = cols[:, None].astype(np.float32) + ox.ravel()[None, :]
    y = rows[:, None].astype(np.float32) + oy.ravel()[None, :]
    yaw = (x / width - 0.5) * 2 * np.pi
    pitch = (0.5 - y / height) * np.pi
    cos_pitch = np.cos(pitch)
    return np.stack([np.sin(yaw) * cos_pitch, np.sin(pitch), np.cos(yaw) * cos_pitch], axis=-1).astype(np.float32)


def _edges(surfaces):
    """Pixels whose surface differs from a neighbour's (left/right wrap around)."""
    edges = np.zeros(surfaces.shape, dtype=bool)
    horizontal = surfaces != np.roll(surfaces, -1, axis=1)
    edges |= horizontal | np.roll(horizontal, 1, axis=1)
    vertical = surfaces[1:] != surfaces[:-1]
    edges[1:] |= vertical
    edges[:-1] |= vertical
    return edges
