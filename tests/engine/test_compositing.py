"""out = out·(1−m) + option·m per layer in build order, exact rounding, uint8 in and out."""

import io

import numpy as np
import pytest
from PIL import Image

from renders.engine import prepare_scene
from renders.engine.composite import blend_into

from .helpers import box_mask, constant, grey, simple_scene

W, H = 2048, 1024
BASE = (100, 150, 200)
PAINT = (0, 255, 10)
VARNISH = (250, 20, 120)


def expected(under, over, m):
    return tuple(int(np.floor((u * (255 - m) + o * m) / 255 + 0.5)) for u, o in zip(under, over))


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("compositing")
    scene = simple_scene(tmp, base=constant(W, H, BASE), layers=[
        ("half", grey(W, H, 128), {"paint": constant(W, H, PAINT), "keep": None}),
        ("full", grey(W, H, 255), {"varnish": constant(W, H, VARNISH), "keep": None}),
        ("nothing", grey(W, H, 0), {"paint": constant(W, H, PAINT)}),
        ("partial", grey(W, H, 77), {"varnish": constant(W, H, VARNISH), "keep": None}),
    ])
    return prepare_scene(scene, tmp / "prepared")


def face_colour(prepared, selection):
    faces = prepared.composed_faces(selection, 0)
    colour = faces["f"][0, 0]
    assert all((face == colour).all() for face in faces.values())
    return tuple(int(c) for c in colour)


def test_mask_zero_keeps_the_base(prepared):
    selection = {"half": "keep", "full": "keep", "nothing": "paint", "partial": "keep"}
    assert face_colour(prepared, selection) == BASE


def test_mask_full_gives_the_option_exactly(prepared):
    selection = {"half": "keep", "full": "varnish", "nothing": "paint", "partial": "keep"}
    assert face_colour(prepared, selection) == VARNISH


def test_partial_masks_blend_with_rounding(prepared):
    selection = {"half": "paint", "full": "keep", "nothing": "paint", "partial": "keep"}
    assert face_colour(prepared, selection) == expected(BASE, PAINT, 128) == (50, 203, 105)


def test_layers_apply_in_build_order(prepared):
    selection = {"half": "paint", "full": "varnish", "nothing": "paint", "partial": "varnish"}
    # "full" covers "half" completely, then "partial" blends varnish over varnish
    assert face_colour(prepared, selection) == VARNISH
    selection = {"half": "paint", "full": "keep", "nothing": "paint", "partial": "varnish"}
    assert face_colour(prepared, selection) == expected(expected(BASE, PAINT, 128), VARNISH, 77)


def test_blend_matches_exact_rounding_for_every_value():
    values = np.arange(256, dtype=np.uint8)
    under, over, mask = (a.reshape(-1) for a in np.meshgrid(values, values, values, indexing="ij"))
    out = under.reshape(-1, 1, 1).copy()
    blend_into(out, over.reshape(-1, 1, 1), mask.reshape(-1, 1))
    exact = np.floor((under.astype(np.int64) * (255 - mask) + over.astype(np.int64) * mask) / 255 + 0.5)
    assert np.array_equal(out.reshape(-1), exact.astype(np.uint8))


def test_antialiased_mask_edges_blend_in_the_rendered_tile(tmp_path):
    mask = box_mask(W, (-20, 20), (-20, 20))
    mask[:, W // 2 + 20 * W // 360] = 128  # a half-covered column just right of the box
    scene = simple_scene(tmp_path, base=constant(W, H, (0, 0, 0)), layers=[
        ("wall", mask, {"white": constant(W, H, (255, 255, 255))})])
    prepared = prepare_scene(scene, tmp_path / "p")
    face = prepared.composed_faces({"wall": "white"}, 0)["f"]
    values = set(np.unique(face[256]))
    assert {0, 255} <= values and len(values - {0, 255}) > 0  # antialiased edge kept


def test_rendered_jpeg_tiles_are_512_baseline_420_without_metadata(prepared):
    selection = {"half": "paint", "full": "keep", "nothing": "paint", "partial": "keep"}
    coord, _, data = next(prepared.render(selection))
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.size == (512, 512) and image.mode == "RGB"
    assert not image.info.get("progressive") and "exif" not in image.info and "icc_profile" not in image.info
    assert image.layer[0][1:3] == (2, 2) and image.layer[1][1:3] == (1, 1)  # 4:2:0 chroma
    pixels = np.asarray(image).reshape(-1, 3).astype(int)
    assert np.abs(pixels.mean(axis=0) - np.array(expected(BASE, PAINT, 128))).max() < 2
