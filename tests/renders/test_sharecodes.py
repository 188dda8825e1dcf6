import pytest

from renders import sharecodes


def test_ten_layers_fit_in_32_url_safe_characters():
    build = sharecodes.encode(46655, list("0123456789"))  # the largest 3-digit scene id
    assert len(build) <= 32
    assert all(c.isalnum() or c in "._-" for c in build)
    assert sharecodes.decode(build, scene_id=46655, layer_count=10) == list("0123456789")


def test_codes_longer_than_one_character_round_trip():
    build = sharecodes.encode(7, ["a", "1z", "b"])
    assert sharecodes.decode(build, scene_id=7, layer_count=3) == ["a", "1z", "b"]


def test_a_scene_without_layers_has_a_code():
    assert sharecodes.decode(sharecodes.encode(3, []), scene_id=3, layer_count=0) == []


def test_a_code_decodes_only_against_its_scene_and_layer_count():
    build = sharecodes.encode(12, ["1", "2"])
    with pytest.raises(sharecodes.ShareCodeError):
        sharecodes.decode(build, scene_id=13, layer_count=2)
    with pytest.raises(sharecodes.ShareCodeError):
        sharecodes.decode(build, scene_id=12, layer_count=3)
    tampered = build.replace(".12.", ".13.")
    with pytest.raises(sharecodes.ShareCodeError):
        sharecodes.decode(tampered, scene_id=12, layer_count=2)


def test_the_checksum_depends_on_the_key(settings):
    build = sharecodes.encode(12, ["1", "2"])
    settings.PANOCONFIG_SHARE_KEY = "another-key-entirely"
    with pytest.raises(sharecodes.ShareCodeError):
        sharecodes.decode(build, scene_id=12, layer_count=2)


@pytest.mark.parametrize("bad", ["", "abc", "1..x", "1.0.abcd", "1.0.ABCDE", "1/0.abcde", "1.0.abcde\n", None, 5,
                                 "zzzzzzzzzzzzz.0.abcde"])
def test_malformed_codes_are_rejected(bad):
    with pytest.raises(sharecodes.ShareCodeError):
        sharecodes.scene_id_of(bad)
