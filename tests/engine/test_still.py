"""Flat stills: rectilinear views of the composed panorama, 2D composites, previews."""

import io

import numpy as np
import pytest
from PIL import Image

from renders.engine import EngineInputError, SceneInput, prepare_scene

from .helpers import box_mask, centroid, constant, equirect_with_markers, save, simple_scene

W, H = 2048, 1024


def decode(data):
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)


def reddish(pixels):
    return (pixels[..., 0] > 180) & (pixels[..., 1] < 80) & (pixels[..., 2] < 80)


@pytest.fixture(scope="module")
def marker_scene(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("still")
    base = equirect_with_markers(W, [(30, 10, (255, 0, 0)), (60, 10, (0, 255, 0))], radius=2)
    scene = simple_scene(tmp, base=base, layers=[
        ("wall", box_mask(W, (-100, -80), (-10, 10)), {"blue": constant(W, H, (0, 0, 255))})])
    return prepare_scene(scene, tmp / "prepared")


def test_a_marker_at_the_view_centre_lands_at_the_image_centre(marker_scene):
    data = marker_scene.render_still({"wall": "blue"}, yaw=30, pitch=10, fov=60, width=320, height=240)
    pixels = decode(data)
    assert pixels.shape == (240, 320, 3)
    assert centroid(reddish(pixels)) == pytest.approx((159.5, 119.5), abs=1.5)


def test_yaw_grows_to_the_right_in_stills(marker_scene):
    pixels = decode(marker_scene.render_still({"wall": "blue"}, yaw=45, pitch=10, fov=90,
                                              width=400, height=300))
    red_x, red_y = centroid(reddish(pixels))
    green_x, green_y = centroid((pixels[..., 1] > 180) & (pixels[..., 0] < 80))
    # tan(15°) of a 90° view is 0.268 of the half width
    assert red_x == pytest.approx(199.5 - 0.268 * 200, abs=3)
    assert green_x == pytest.approx(199.5 + 0.268 * 200, abs=3)
    assert red_y == pytest.approx(green_y, abs=1)


def test_stills_show_the_selected_options(marker_scene):
    pixels = decode(marker_scene.render_still({"wall": "blue"}, yaw=-90, pitch=0, fov=30,
                                              width=160, height=90))
    assert np.abs(pixels[45, 80] - (0, 0, 255)).max() < 12
    assert marker_scene.render_still({"wall": "blue"}, yaw=-90, pitch=0, fov=30, width=160, height=90) == \
        marker_scene.render_still({"wall": "blue"}, yaw=-90, pitch=0, fov=30, width=160, height=90)


def test_default_still_size_is_full_hd(marker_scene):
    data = marker_scene.render_still({"wall": "blue"}, yaw=0, pitch=0, fov=90)
    assert Image.open(io.BytesIO(data)).size == (1920, 1080)


def test_preview_is_a_small_equirect_with_markers_in_place(marker_scene):
    pixels = decode(marker_scene.render_preview({"wall": "blue"}, width=512))
    assert pixels.shape == (256, 512, 3)
    x, y = centroid(reddish(pixels))
    assert x == pytest.approx((30 / 360 + 0.5) * 512 - 0.5, abs=1.5)
    assert y == pytest.approx((10 / 180 + 0.5) * 256 - 0.5, abs=1.5)


def test_still_from_flat_images_uses_option_alpha(tmp_path):
    scene = simple_scene(tmp_path, base=constant(W, H, (9, 9, 9)), layers=[
        ("wall", box_mask(W, (-10, 10), (-10, 10)), {"red": constant(W, H, (255, 0, 0)), "keep": None})])
    overlay = np.zeros((300, 400, 4), dtype=np.uint8)
    overlay[:, 200:] = (255, 0, 0, 255)  # right half red, left half transparent
    scene = SceneInput(projection="equirect", base=scene.base, layers=scene.layers,
                       still_base=save(tmp_path / "flat.png", constant(400, 300, (0, 0, 200))),
                       still_options={("wall", "red"): save(tmp_path / "flat_red.png", overlay)})
    prepared = prepare_scene(scene, tmp_path / "p")
    red = decode(prepared.render_still({"wall": "red"}, yaw=0, pitch=0, fov=90, width=400, height=300))
    keep = decode(prepared.render_still({"wall": "keep"}, yaw=0, pitch=0, fov=90, width=400, height=300))
    assert np.abs(red[150, 100] - (0, 0, 200)).max() < 12 and np.abs(red[150, 300] - (255, 0, 0)).max() < 12
    assert np.abs(keep[150, 300] - (0, 0, 200)).max() < 12


def test_still_arguments_are_checked(marker_scene):
    with pytest.raises(EngineInputError):
        marker_scene.render_still({"wall": "blue"}, yaw=0, pitch=0, fov=0)
    with pytest.raises(EngineInputError):
        marker_scene.render_still({"wall": "blue"}, yaw=0, pitch=0, fov=90, width=100000)
