"""Where pixels land: equirect and legacy-strip markers on all six faces, seams, levels."""

import numpy as np
import pytest

from renders.engine import prepare_scene
from renders.engine.geometry import level_sizes, top_face_size

from .helpers import centroid, constant, direction, equirect_with_markers, face_pixel, simple_scene, tan

WIDTH = 2048  # face size 512: one level, one tile per face
RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)

# (yaw, pitch) of three markers per face, and where DESIGN.md puts them on that face (u right,
# v down, both in [-1, 1]): red at the centre, green to its right, blue below it.
MARKERS = {
    "f": [((0, 0), (0, 0)), ((20, 0), (tan(20), 0)), ((0, 20), (0, tan(20)))],
    "r": [((90, 0), (0, 0)), ((110, 0), (tan(20), 0)), ((90, 20), (0, tan(20)))],
    "b": [((180, 0), (0, 0)), ((-160, 0), (tan(20), 0)), ((180, 20), (0, tan(20)))],
    "l": [((-90, 0), (0, 0)), ((-70, 0), (tan(20), 0)), ((-90, 20), (0, tan(20)))],
    # looking up: f is below (bottom edge of u meets f), r to the right
    "u": [((0, -90), (0, 0)), ((90, -70), (tan(20), 0)), ((0, -70), (0, tan(20)))],
    # looking down: f is above (top edge of d meets f), r to the right, b below
    "d": [((0, 90), (0, 0)), ((90, 70), (tan(20), 0)), ((180, 70), (0, tan(20)))],
}


def marker_list():
    return [(yaw, pitch, colour) for face_markers in MARKERS.values()
            for ((yaw, pitch), _), colour in zip(face_markers, (RED, GREEN, BLUE))]


@pytest.fixture(scope="module")
def marker_faces(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("markers")
    pixels = equirect_with_markers(WIDTH, marker_list())
    scene = simple_scene(tmp, base=pixels)
    prepared = prepare_scene(scene, tmp / "prepared")
    return prepared.composed_faces({}, 0)


def colour_pixels(face_pixels, colour):
    distance = np.abs(face_pixels.astype(int) - np.array(colour)).sum(axis=-1)
    return distance < 60


@pytest.mark.parametrize("face", list(MARKERS))
@pytest.mark.parametrize("marker", [0, 1, 2], ids=["centre", "right", "below"])
def test_equirect_marker_lands_on_its_face_and_pixel(marker_faces, face, marker):
    (_, (u, v)) = MARKERS[face][marker]
    colour = (RED, GREEN, BLUE)[marker]
    found = centroid(colour_pixels(marker_faces[face], colour))
    assert found is not None, f"marker {colour} not on face {face}"
    expected = face_pixel(u, v, 512)
    assert found == pytest.approx(expected, abs=1.5)


def test_markers_appear_on_no_other_face(marker_faces):
    for face, pixels in marker_faces.items():
        coloured = (pixels.max(axis=-1) > 200).sum()
        # three discs of 3 degrees ≈ 3 × π·(512/90·3)² ≈ 2700 pixels, allowing for distortion
        assert 1500 < coloured < 5000, face


def strip_from_faces(faces):
    """Inverse of DESIGN.md's rule: slots r, l, d (rotated back clockwise), u (back CCW), f, b;
    then the whole strip flipped horizontally."""
    slots = [faces["r"], faces["l"], np.rot90(faces["d"], -1), np.rot90(faces["u"], 1),
             faces["f"], faces["b"]]
    return np.ascontiguousarray(np.hstack(slots)[:, ::-1])


def test_strip_gives_the_same_faces_as_the_equirect(marker_faces, tmp_path):
    strip = strip_from_faces(marker_faces)
    assert strip.shape == (512, 3072, 3)
    prepared = prepare_scene(simple_scene(tmp_path, base=strip, projection="strip"), tmp_path / "p")
    faces = prepared.composed_faces({}, 0)
    for name in "fblrud":
        assert np.array_equal(faces[name], marker_faces[name]), name


def test_strip_slots_follow_the_legacy_layout(tmp_path):
    size = 512
    strip = np.zeros((size, 6 * size, 3), dtype=np.uint8)
    # a dot at (row 10, column 20) of each slot, counted after the horizontal flip
    for slot in range(6):
        strip[10, 6 * size - 1 - (slot * size + 20)] = (255, 255, 255)
    faces = prepare_scene(simple_scene(tmp_path, base=strip, projection="strip"),
                          tmp_path / "p").composed_faces({}, 0)

    def dot(face):
        rows, cols = np.nonzero(faces[face].max(axis=-1) > 128)
        assert rows.size == 1, face
        return int(rows[0]), int(cols[0])

    for face in ("r", "l", "f", "b"):
        assert dot(face) == (10, 20)
    assert dot("d") == (size - 1 - 20, 10)  # slot 2 rotated 90° counter-clockwise
    assert dot("u") == (20, size - 1 - 10)  # slot 3 rotated 90° clockwise


@pytest.fixture(scope="module")
def gradient_faces(tmp_path_factory):
    """Colour = 128 + 120·direction: smooth everywhere on the sphere."""
    from .helpers import equirect_yaw_pitch

    tmp = tmp_path_factory.mktemp("gradient")
    yaw, pitch = equirect_yaw_pitch(WIDTH)
    pixels = np.stack([128 + 120 * c for c in direction(yaw, pitch)], axis=-1).round().astype(np.uint8)
    prepared = prepare_scene(simple_scene(tmp, base=pixels), tmp / "prepared")
    return prepared.composed_faces({}, 0)


# (face a, its edge, face b, its edge, reversed): pixels along a's edge meet b's edge
SEAMS = [
    ("f", "right", "r", "left", False), ("r", "right", "b", "left", False),
    ("b", "right", "l", "left", False), ("l", "right", "f", "left", False),
    ("u", "bottom", "f", "top", False), ("d", "top", "f", "bottom", False),
    ("u", "right", "r", "top", True), ("u", "top", "b", "top", True),
    ("u", "left", "l", "top", False), ("d", "right", "r", "bottom", False),
    ("d", "bottom", "b", "bottom", True), ("d", "left", "l", "bottom", True),
]


def edge(pixels, side):
    return {"left": pixels[:, 0], "right": pixels[:, -1], "top": pixels[0], "bottom": pixels[-1]}[side]


@pytest.mark.parametrize("seam", SEAMS, ids=lambda s: f"{s[0]}-{s[2]}")
def test_faces_are_continuous_across_seams(gradient_faces, seam):
    face_a, side_a, face_b, side_b, reverse = seam
    a = edge(gradient_faces[face_a], side_a).astype(int)
    b = edge(gradient_faces[face_b], side_b).astype(int)
    if reverse:
        b = b[::-1]
    # one pixel apart on a smooth gradient: about 0.5 levels; a wrong orientation gives tens
    assert np.abs(a - b).mean() < 2.0
    assert np.abs(a - b).max() <= 6


def test_every_face_pixel_shows_its_own_direction(gradient_faces):
    """Independent check of the whole face orientation table against DESIGN.md."""
    size = 512
    coords = (np.arange(size) + 0.5) / size * 2 - 1
    u, v = np.meshgrid(coords, coords)
    one = np.ones_like(u)
    # direction of face pixel (u right, v down) per face, as DESIGN.md describes the faces
    expected_dirs = {
        "f": (u, -v, one), "r": (one, -v, -u), "b": (-u, -v, -one),
        "l": (-one, -v, u), "u": (u, one, v), "d": (u, -one, -v),
    }
    for face, (x, y, z) in expected_dirs.items():
        norm = np.sqrt(x * x + y * y + z * z)
        expected = np.stack([128 + 120 * c / norm for c in (x, y, z)], axis=-1)
        assert np.abs(gradient_faces[face] - expected).max() < 3, face


def test_level_rule():
    assert top_face_size(2048) == 2048  # 8192-wide equirect
    assert top_face_size(1500) == 1536
    assert top_face_size(1280) == 1024  # halfway rounds down: never upscale by 256 px
    assert top_face_size(300) == 512
    assert level_sizes(512) == [512]
    assert level_sizes(2048) == [512, 1024, 2048]
    assert level_sizes(1536) == [512, 1536]
    assert level_sizes(3072) == [512, 1536, 3072]


def test_pyramid_levels_and_tile_counts(tmp_path):
    prepared = prepare_scene(simple_scene(tmp_path, base=constant(4096, 2048, (90, 90, 90))),
                             tmp_path / "p")
    assert [level.to_marzipano() for level in prepared.levels] == [
        {"tileSize": 512, "size": 512}, {"tileSize": 512, "size": 1024}]
    tiles = prepared.tiles()
    assert len(tiles) == 6 * 1 + 6 * 4
    assert [t.level for t in tiles] == sorted(t.level for t in tiles)
    assert {t.path() for t in tiles if t.level == 1} >= {"f/1/0/0", "f/1/1/1", "d/1/1/0"}
    assert all(t.x < 2 and t.y < 2 for t in tiles)


def test_fine_detail_near_the_poles_is_antialiased_not_aliased(tmp_path):
    """Alternate black/white columns: towards the poles a face pixel spans several columns,
    so it must show their average (mid grey), not whichever column bilinear happens to hit."""
    stripes = np.zeros((WIDTH // 2, WIDTH, 3), dtype=np.uint8)
    stripes[:, ::2] = 255
    faces = prepare_scene(simple_scene(tmp_path, base=stripes), tmp_path / "p").composed_faces({}, 0)
    for face in ("u", "d"):
        centre = faces[face][128:384, 128:384].astype(int)  # within 45° of the pole: ≥ 1.4 columns/pixel
        assert abs(centre.mean() - 127.5) < 3
        assert centre.std() < 25, face


def test_a_strip_whose_height_is_not_a_level_size_is_resized(tmp_path):
    size = 640  # rounds to a 512 face
    strip = np.zeros((size, 6 * size, 3), dtype=np.uint8)
    # a white square at the centre of slot 4 (face f) after the flip
    centre = 6 * size - 1 - (4 * size + size // 2)
    strip[size // 2 - 20:size // 2 + 20, centre - 20:centre + 20] = 255
    prepared = prepare_scene(simple_scene(tmp_path, base=strip, projection="strip"), tmp_path / "p")
    assert [level.size for level in prepared.levels] == [512]
    face = prepared.composed_faces({}, 0)["f"]
    assert centroid(face.max(axis=-1) > 128) == pytest.approx((255.5, 255.5), abs=1)
