"""Content-addressed tile keys: shared when untouched, changed exactly where inputs can matter."""

import numpy as np
import pytest

from renders.engine import ENGINE_VERSION, EngineInputError, ImageInput, LayerInput, SceneInput, prepare_scene

from .helpers import box_mask, constant, save, simple_scene

W, H = 4096, 2048  # faces of 1024: levels 512 and 1024, 30 tiles


@pytest.fixture(scope="module")
def scene_files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("keys")
    return tmp, simple_scene(tmp, base=constant(W, H, (120, 120, 120)), layers=[
        # a box left of the centre of f: touches f only (both levels)
        ("wall", box_mask(W, (-30, -5), (-10, 10)), {"red": constant(W, H, (200, 0, 0)),
                                                      "blue": constant(W, H, (0, 0, 200)),
                                                      "plain": None}),
        # the floor: only face d
        ("floor", box_mask(W, (-180, 180), (60, 90)), {"oak": constant(W, H, (150, 100, 50)),
                                                       "tile": constant(W, H, (230, 230, 230))}),
    ])


@pytest.fixture(scope="module")
def prepared(scene_files):
    tmp, scene = scene_files
    return prepare_scene(scene, tmp / "prepared")


def touched(keys_a, keys_b):
    return {coord for coord in keys_a if keys_a[coord] != keys_b[coord]}


def test_keys_cover_every_tile_and_are_hex(prepared):
    keys = prepared.tile_keys({"wall": "red", "floor": "oak"})
    assert list(keys) == prepared.tiles()
    assert all(len(k) == 40 and int(k, 16) >= 0 for k in keys.values())
    assert len(set(keys.values())) == len(keys)


def test_untouched_tiles_share_keys_across_selections(prepared):
    a = prepared.tile_keys({"wall": "red", "floor": "oak"})
    b = prepared.tile_keys({"wall": "blue", "floor": "tile"})
    changed = touched(a, b)
    assert changed and {c.face for c in changed} == {"f", "d"}
    assert {c.path() for c in changed if c.face == "f"} == {"f/0/0/0", "f/1/0/0", "f/1/0/1"}
    assert len([c for c in changed if c.face == "d"]) == 1 + 4  # the floor cap covers d's centre


def test_changing_one_layer_changes_only_its_tiles(prepared):
    a = prepared.tile_keys({"wall": "red", "floor": "oak"})
    b = prepared.tile_keys({"wall": "blue", "floor": "oak"})
    assert {c.face for c in touched(a, b)} == {"f"}
    assert prepared.tile_keys({"wall": "red", "floor": "oak"}) == a  # stable


def test_a_touched_tile_key_depends_on_the_chosen_options_digest(prepared):
    plain = prepared.tile_keys({"wall": "plain", "floor": "oak"})
    red = prepared.tile_keys({"wall": "red", "floor": "oak"})
    assert plain[next(iter(touched(plain, red)))] != red[next(iter(touched(plain, red)))]


def test_replacing_one_option_image_changes_only_the_tiles_its_layer_touches(scene_files, prepared, tmp_path):
    _, scene = scene_files
    new_blue = save(tmp_path / "blue2.png", constant(W, H, (0, 0, 180)))
    wall = scene.layers[0]
    replaced = SceneInput(projection="equirect", base=scene.base, layers=[
        LayerInput(key="wall", mask=wall.mask, options={**wall.options, "blue": new_blue}), scene.layers[1]])
    again = prepare_scene(replaced, tmp_path / "prepared")
    assert again.inputs_digest != prepared.inputs_digest
    for floor in ("oak", "tile"):
        assert again.tile_keys({"wall": "red", "floor": floor}) == prepared.tile_keys({"wall": "red", "floor": floor})
        before = prepared.tile_keys({"wall": "blue", "floor": floor})
        after = again.tile_keys({"wall": "blue", "floor": floor})
        assert touched(before, after) == {c for c in before if c.face == "f" and c.path() in
                                          {"f/0/0/0", "f/1/0/0", "f/1/0/1"}}


def test_keys_depend_on_the_engine_version_and_quality(prepared, monkeypatch):
    selection = {"wall": "red", "floor": "oak"}
    keys = prepared.tile_keys(selection)
    assert touched(keys, prepared.tile_keys(selection, quality=70)) == set(keys)
    monkeypatch.setattr("renders.engine.scene.ENGINE_VERSION", ENGINE_VERSION + "-next")
    assert touched(keys, prepared.tile_keys(selection)) == set(keys)


def test_render_skips_existing_keys_and_yields_levels_in_order(prepared):
    first = list(prepared.render({"wall": "red", "floor": "oak"}))
    assert [coord for coord, _, _ in first] == prepared.tiles()
    known = {key for _, key, _ in first}
    second = list(prepared.render({"wall": "blue", "floor": "oak"}, skip_keys=known))
    assert {coord.path() for coord, _, _ in second} == {"f/0/0/0", "f/1/0/0", "f/1/0/1"}
    assert [c.level for c, _, _ in second] == sorted(c.level for c, _, _ in second)
    assert list(prepared.render({"wall": "red", "floor": "oak"}, skip_keys=known)) == []


def test_rendering_is_byte_identical_between_runs_and_preparations(scene_files, prepared, tmp_path):
    _, scene = scene_files
    selection = {"wall": "red", "floor": "tile"}
    once = list(prepared.render(selection))
    assert once == list(prepared.render(selection))
    other = prepare_scene(scene, tmp_path / "other")
    assert once == list(other.render(selection))
    assert np.array_equal(np.load(tmp_path / "other" / "base.npy"), np.asarray(prepared._base))


@pytest.mark.parametrize("selection, message", [
    ({"wall": "red"}, "floor"),
    ({"wall": "red", "floor": "oak", "roof": "x"}, "roof"),
    ({"wall": "green", "floor": "oak"}, "green"),
])
def test_bad_selections_are_rejected(prepared, selection, message):
    with pytest.raises(EngineInputError, match=message):
        prepared.tile_keys(selection)
    with pytest.raises(EngineInputError, match=message):
        next(prepared.render(selection))


def test_load_reopens_a_prepared_scene(prepared):
    from renders.engine import PreparedScene

    again = PreparedScene.load(prepared.directory)
    selection = {"wall": "red", "floor": "oak"}
    assert again.tile_keys(selection) == prepared.tile_keys(selection)
    assert again.layer_keys == ["wall", "floor"]
    assert again.option_codes == {"wall": ["red", "blue", "plain"], "floor": ["oak", "tile"]}
    assert isinstance(ImageInput("x", "y"), ImageInput)
