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


def test_lower_levels_match_the_reduced_top_level_for_textured_inputs(tmp_path):
    """Option pixels are stored only where their layer's mask reaches; the lower level must still
    equal a box reduction of the level above wherever the mask is fully on or off."""
    rng = np.random.default_rng(7)
    width, height = 4096, 2048  # levels 512 and 1024
    # texture in 4-pixel cells: still varies inside every reduced block, but compresses fast
    base, option = (rng.integers(0, 256, (height // 4, width // 4, 3), dtype=np.uint8)
                    .repeat(4, axis=0).repeat(4, axis=1) for _ in range(2))
    mask = box_mask(width, (-40, 25), (-12, 30))  # a side-face box reaching into three tiles of f
    prepared = prepare_scene(simple_scene(tmp_path, base=base, layers=[("wall", mask, {"paper": option})]),
                             tmp_path / "p")
    low = prepared.composed_faces({"wall": "paper"}, 0)["f"].astype(int)
    high = prepared.composed_faces({"wall": "paper"}, 1)["f"].astype(int)
    reduced = high.reshape(512, 2, 512, 2, 3).mean(axis=(1, 3))
    faces_mask = prepare_scene(simple_scene(tmp_path, base=np.dstack([mask] * 3), name="m"),
                               tmp_path / "m").composed_faces({}, 1)["f"][:, :, 0]
    blocks = faces_mask.reshape(512, 2, 512, 2)
    settled = (blocks.min(axis=(1, 3)) == blocks.max(axis=(1, 3)))[:, :, None].repeat(3, axis=2)
    assert settled.mean() > 0.9 and (faces_mask == 255).any() and (faces_mask == 0).any()
    assert np.abs(low - reduced)[settled].max() <= 1
    # and inside the mask the pixels are the option's, as with a mask covering everything
    full = prepare_scene(simple_scene(tmp_path, base=base, name="full", layers=[
        ("wall", np.full_like(mask, 255), {"paper": option})]), tmp_path / "full")
    inside = faces_mask == 255
    assert np.array_equal(high[inside], full.composed_faces({"wall": "paper"}, 1)["f"][inside])
    inside_low = blocks.min(axis=(1, 3)) == 255
    assert inside_low.any()
    assert np.array_equal(low[inside_low], full.composed_faces({"wall": "paper"}, 0)["f"][inside_low])
