"""Input validation: errors name the offending file, and a failed preparation changes nothing."""

from pathlib import Path

import pytest

from renders.engine import EngineInputError, ImageInput, LayerInput, PreparedScene, SceneInput, prepare_scene

from .helpers import constant, grey, save, simple_scene

W, H = 2048, 1024


def scene_with(tmp_path, *, mask=None, option=None, base=None, projection="equirect"):
    base = base or save(tmp_path / "base.png", constant(W, H, (10, 20, 30)))
    mask = mask or save(tmp_path / "wall_mask.png", grey(W, H, 255))
    option = option or save(tmp_path / "red.png", constant(W, H, (255, 0, 0)))
    return SceneInput(projection=projection, base=base,
                      layers=[LayerInput(key="wall", mask=mask, options={"red": option, "none": None})])


def test_a_mask_of_another_size_is_named(tmp_path):
    mask = save(tmp_path / "small_mask.png", grey(W // 2, H // 2, 255))
    with pytest.raises(EngineInputError, match=r"small_mask\.png.*1024×512.*2048×1024"):
        prepare_scene(scene_with(tmp_path, mask=mask), tmp_path / "p")


def test_an_option_of_another_size_is_named(tmp_path):
    option = save(tmp_path / "big_red.jpg", constant(W * 2, H * 2, (255, 0, 0)))
    with pytest.raises(EngineInputError, match=r"option 'red'.*big_red\.jpg"):
        prepare_scene(scene_with(tmp_path, option=option), tmp_path / "p")


@pytest.mark.parametrize("projection, size", [("equirect", (1536, 1024)), ("strip", (2048, 1024))])
def test_a_base_of_the_wrong_aspect_is_named(tmp_path, projection, size):
    base = save(tmp_path / "odd_base.png", constant(*size, (0, 0, 0)))
    with pytest.raises(EngineInputError, match=rf"odd_base\.png.*{projection}"):
        prepare_scene(scene_with(tmp_path, base=base, projection=projection), tmp_path / "p")


def test_an_unreadable_file_is_named(tmp_path):
    path = tmp_path / "not_an_image.jpg"
    path.write_bytes(b"this is not a picture" * 100)
    with pytest.raises(EngineInputError, match=r"not_an_image\.jpg"):
        prepare_scene(scene_with(tmp_path, option=ImageInput(path=str(path), digest="x")), tmp_path / "p")


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(EngineInputError, match=r"gone\.png"):
        prepare_scene(scene_with(tmp_path, mask=ImageInput(path=str(tmp_path / "gone.png"), digest="x")),
                      tmp_path / "p")


def test_a_truncated_image_fails_and_leaves_the_previous_preparation(tmp_path):
    out = tmp_path / "prepared"
    good = prepare_scene(scene_with(tmp_path), out)
    keys = good.tile_keys({"wall": "red"})
    full = save(tmp_path / "cut.jpg", constant(W, H, (255, 0, 0)), quality=90)
    data = Path(full.path).read_bytes()
    Path(full.path).write_bytes(data[: len(data) // 3])
    with pytest.raises(EngineInputError, match=r"cut\.jpg"):
        prepare_scene(scene_with(tmp_path, option=full), out)
    assert PreparedScene.load(out).tile_keys({"wall": "red"}) == keys
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_duplicate_layer_keys_are_rejected(tmp_path):
    scene = scene_with(tmp_path)
    doubled = SceneInput(projection="equirect", base=scene.base, layers=[scene.layers[0], scene.layers[0]])
    with pytest.raises(EngineInputError, match="wall"):
        prepare_scene(doubled, tmp_path / "p")


def test_load_refuses_a_directory_that_is_not_prepared(tmp_path):
    with pytest.raises(EngineInputError):
        PreparedScene.load(tmp_path)


def test_rgba_and_grey_inputs_are_converted(tmp_path):
    rgba = constant(W, H, (255, 0, 0))
    option = save(tmp_path / "rgba.png", __import__("numpy").dstack([rgba, grey(W, H, 7)]))
    mask = save(tmp_path / "rgb_mask.png", constant(W, H, (255, 255, 255)))
    prepared = prepare_scene(scene_with(tmp_path, mask=mask, option=option), tmp_path / "p")
    assert (prepared.composed_faces({"wall": "red"}, 0)["f"] == (255, 0, 0)).all()


def test_simple_scene_helper_round_trips(tmp_path):
    scene = simple_scene(tmp_path, base=constant(W, H, (1, 2, 3)))
    assert prepare_scene(scene, tmp_path / "p").layer_keys == []


def test_preparing_again_replaces_the_directory_and_leaves_no_temporaries(tmp_path):
    out = tmp_path / "prepared"
    scene = scene_with(tmp_path)
    first = prepare_scene(scene, out).tile_keys({"wall": "red"})
    (out / "stale.txt").write_text("from an older preparation")
    second = prepare_scene(scene, out)
    assert second.tile_keys({"wall": "red"}) == first
    assert not (out / "stale.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
