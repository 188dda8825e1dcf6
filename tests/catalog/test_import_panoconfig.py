"""import_panoconfig on small legacy folders the tests build: a 6:1 strip scene and a 2:1 scene."""

import json
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from catalog.models import Layer, LayerOption, Material, Scene
from tenants.models import Tenant
from tests.factories import EQUIRECT_SIZE, STRIP_SIZE, image_bytes, mask_bytes


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def build_folder(root):
    """Client "Casa Pedra": scene "cozinha" (strip, 2 layers) and scene "sala" (2:1, 1 layer, a 2D still)."""
    write(root / "scenes/cozinha/base_cozinha.png", image_bytes(STRIP_SIZE, color=(100, 100, 100)))
    write(root / "scenes/cozinha/masks/bancada.png", mask_bytes(STRIP_SIZE, (100, 100, 300, 200)))
    rgb_mask = np.zeros((512, 3072, 3), dtype=np.uint8)
    rgb_mask[300:400, 1000:1500] = 255
    write(root / "scenes/cozinha/masks/piso.png", image_bytes(array=rgb_mask))
    write(root / "scenes/cozinha/materials/granito.jpg", image_bytes(STRIP_SIZE, color=(20, 20, 20), fmt="JPEG"))
    write(root / "scenes/cozinha/materials/marmore.png", image_bytes(STRIP_SIZE, color=(240, 240, 240)))
    write(root / "scenes/cozinha/materials/madeira.png", image_bytes(STRIP_SIZE, color=(150, 100, 50)))
    write(root / "scenes/cozinha/materials/thumb_marmore.png", image_bytes((64, 64), color=(1, 2, 3)))
    write(root / "scenes/sala/base_sala.jpg", image_bytes(EQUIRECT_SIZE, color=(90, 90, 90), fmt="JPEG"))
    write(root / "scenes/sala/2d_base_sala.jpg", image_bytes((800, 600), fmt="JPEG"))
    write(root / "scenes/sala/masks/parede.png", mask_bytes(EQUIRECT_SIZE))
    write(root / "scenes/sala/materials/verde.png", image_bytes(EQUIRECT_SIZE, color=(0, 160, 0)))
    config = {
        "client": {"id": "casa_pedra", "label": "Casa Pedra"},
        "viewer": {"tileSize": 512, "cubeSize": 512, "defaultFov": 75},
        "scenes": {
            "cozinha": {
                "id": "cozinha", "scene_index": 0, "label": "Cozinha",
                "layers": [
                    {"id": "bancada", "build_order": 0, "label": "Bancada", "mask": "bancada.png", "items": [
                        {"index": 0, "id": "original", "label": "Original", "thumbnail": None, "file": None},
                        {"index": 1, "id": "granito", "label": "Granito", "thumbnail": "thumb_granito.png",
                         "file": "granito.jpg"},
                        {"index": 2, "id": "marmore", "label": "Mármore", "thumbnail": "thumb_marmore.png",
                         "file": "marmore.png"},
                    ]},
                    {"id": "piso", "build_order": 1, "label": "Piso", "mask": "piso.png", "items": [
                        {"index": 0, "id": "madeira", "label": "Madeira", "thumbnail": None, "file": "madeira.png"},
                        {"index": 1, "id": "marmore", "label": "Mármore", "thumbnail": None, "file": "marmore.png"},
                    ]},
                ],
            },
            "sala": {
                "id": "sala", "scene_index": 1, "label": "Sala",
                "layers": [
                    {"id": "parede", "build_order": 0, "label": "Parede", "mask": "parede.png", "items": [
                        {"index": 0, "id": "verde", "label": "Verde", "thumbnail": None, "file": "verde.png"},
                    ]},
                ],
            },
        },
    }
    (root / "casa_pedra_cfg.json").write_text(json.dumps(config))
    return config


def save_config(root, config):
    (root / "casa_pedra_cfg.json").write_text(json.dumps(config))


def run(root, *args):
    out = StringIO()
    call_command("import_panoconfig", str(root), *args, stdout=out)
    return out.getvalue()


def stored(media_root):
    return sorted(p.relative_to(media_root).as_posix() for p in media_root.rglob("*") if p.is_file())


def snapshot():
    return (
        list(Tenant.objects.values_list("pk", "slug")),
        list(Material.objects.values_list("pk", "slug", "name")),
        list(Scene.objects.values_list("pk", "slug", "projection", "base_digest", "still_base_digest")),
        list(Layer.objects.values_list("pk", "slug", "build_order", "mask_digest")),
        list(LayerOption.objects.values_list("pk", "code", "position", "image_digest", "thumbnail")),
    )


@pytest.fixture
def legacy(tmp_path):
    root = tmp_path / "casa"
    return root, build_folder(root)


def test_it_imports_tenant_materials_scenes_layers_and_options(db, legacy):
    root, _ = legacy
    run(root)
    tenant = Tenant.objects.get(slug="casa_pedra")
    assert tenant.name == "Casa Pedra"
    assert sorted(Material.objects.filter(tenant=tenant).values_list("slug", flat=True)) == [
        "granito", "madeira", "marmore", "original", "verde",
    ]
    cozinha, sala = Scene.objects.filter(tenant=tenant).order_by("position")
    assert (cozinha.slug, cozinha.projection, cozinha.width, cozinha.height) == ("cozinha", "strip", 3072, 512)
    assert (sala.slug, sala.projection, sala.default_fov) == ("sala", "equirect", 75)
    assert sala.still_base_image and not cozinha.still_base_image
    assert [(layer.slug, layer.build_order) for layer in cozinha.layers.all()] == [("bancada", 0), ("piso", 1)]
    bancada = cozinha.layers.get(slug="bancada")
    assert [o.material.slug for o in bancada.options.all()] == ["original", "granito", "marmore"]
    assert not bancada.options.get(material__slug="original").image  # file null: keep the base


def test_masks_are_stored_grey(db, legacy):
    root, _ = legacy
    run(root)
    with Image.open(Layer.objects.get(slug="piso").mask_image) as mask:
        assert mask.mode == "L" and mask.getpixel((1200, 350)) == 255 and mask.getpixel((10, 10)) == 0


def test_missing_thumbnails_are_cropped_from_the_option_inside_its_mask(db, legacy):
    root, _ = legacy
    run(root)
    granito = LayerOption.objects.get(layer__slug="bancada", material__slug="granito")
    with Image.open(granito.thumbnail) as thumbnail:
        assert thumbnail.size == (256, 256)
        assert max(thumbnail.getpixel((128, 128))) < 40  # the dark granite, not the grey base
    original = LayerOption.objects.get(layer__slug="bancada", material__slug="original")
    with Image.open(original.thumbnail) as thumbnail:
        assert thumbnail.getpixel((128, 128)) == (100, 100, 100)  # keep-the-base: cropped from the base
    marmore = LayerOption.objects.get(layer__slug="bancada", material__slug="marmore")
    with Image.open(marmore.thumbnail) as thumbnail:
        assert thumbnail.size == (64, 64)  # the given thumbnail is kept
    assert Material.objects.get(slug="granito").thumbnail


def test_running_it_again_changes_nothing_and_stores_no_new_file(db, legacy, media_root):
    root, _ = legacy
    run(root)
    before, files = snapshot(), stored(media_root)
    run(root)
    assert snapshot() == before
    assert stored(media_root) == files


def test_a_changed_file_is_updated_in_place(db, legacy, media_root, django_capture_on_commit_callbacks):
    root, _ = legacy
    run(root)
    option = LayerOption.objects.get(layer__slug="parede", material__slug="verde")
    write(root / "scenes/sala/materials/verde.png", image_bytes(EQUIRECT_SIZE, color=(0, 90, 0)))
    with django_capture_on_commit_callbacks(execute=True):
        run(root)
    updated = LayerOption.objects.get(layer__slug="parede", material__slug="verde")
    assert updated.pk == option.pk and updated.image_digest != option.image_digest
    assert not (media_root / option.image.name).exists()


def test_items_dropped_from_the_config_are_removed(db, legacy):
    root, config = legacy
    run(root)
    config["scenes"]["cozinha"]["layers"][0]["items"].pop()
    save_config(root, config)
    run(root)
    assert [o.material.slug for o in Layer.objects.get(slug="bancada").options.all()] == ["original", "granito"]


def test_the_tenant_slug_can_be_chosen(db, legacy):
    root, _ = legacy
    run(root, "--tenant", "pedra")
    assert Scene.objects.filter(tenant__slug="pedra").count() == 2
    assert not Tenant.objects.filter(slug="casa_pedra").exists()


def assert_nothing_imported(media_root):
    assert not Tenant.objects.exists() and not Scene.objects.exists() and not Material.objects.exists()
    assert stored(media_root) == []


def test_a_folder_without_a_config_is_refused(db, tmp_path):
    with pytest.raises(CommandError, match=r"Expected exactly one <client>_cfg.json .* \(found: none\)"):
        run(tmp_path)


def test_malformed_json_is_refused(db, legacy, media_root):
    root, _ = legacy
    (root / "casa_pedra_cfg.json").write_text("{not json")
    with pytest.raises(CommandError, match="casa_pedra_cfg.json is not valid JSON"):
        run(root)
    assert_nothing_imported(media_root)


def test_a_missing_key_is_named(db, legacy, media_root):
    root, config = legacy
    del config["scenes"]["sala"]["layers"][0]["mask"]
    save_config(root, config)
    with pytest.raises(CommandError, match="scene 'sala', layer 'parede': 'mask' is missing"):
        run(root)
    assert_nothing_imported(media_root)


def test_a_wrong_type_is_named(db, legacy, media_root):
    root, config = legacy
    config["scenes"]["cozinha"]["layers"][1]["build_order"] = "first"
    save_config(root, config)
    with pytest.raises(CommandError, match=r"scene 'cozinha', layer 'piso': build_order must be an integer"):
        run(root)


def test_a_missing_material_file_is_named(db, legacy, media_root):
    root, _ = legacy
    (root / "scenes/cozinha/materials/madeira.png").unlink()
    with pytest.raises(CommandError, match="item 'madeira': file: file cozinha/materials/madeira.png is missing"):
        run(root)
    assert_nothing_imported(media_root)


def test_a_missing_base_is_named(db, legacy, media_root):
    root, _ = legacy
    (root / "scenes/sala/base_sala.jpg").unlink()
    with pytest.raises(CommandError, match=r"scene 'sala': no base image scenes/sala/base_sala.png or .jpg"):
        run(root)
    assert_nothing_imported(media_root)


def test_a_file_name_leaving_the_folder_is_refused(db, legacy, media_root):
    root, config = legacy
    config["scenes"]["sala"]["layers"][0]["items"][0]["file"] = "../../../casa_pedra_cfg.json"
    save_config(root, config)
    with pytest.raises(CommandError, match="is outside materials/"):
        run(root)
    assert_nothing_imported(media_root)


def test_an_invalid_image_late_in_the_import_leaves_no_rows_and_no_files(db, legacy, media_root):
    root, _ = legacy
    # The last scene's option has the wrong size: the first scene was already written when it fails.
    write(root / "scenes/sala/materials/verde.png", image_bytes((4096, 2048)))
    with pytest.raises(CommandError) as caught:
        run(root)
    assert "Nothing imported. scene 'sala', layer 'parede', item 'verde': image: This image is 4096×2048" in str(
        caught.value
    )
    assert_nothing_imported(media_root)


def test_a_base_that_is_not_a_panorama_is_refused(db, legacy, media_root):
    root, _ = legacy
    write(root / "scenes/sala/base_sala.jpg", image_bytes((3000, 1000), fmt="JPEG"))
    with pytest.raises(CommandError, match="scene 'sala': base_image: This image is 3000×1000; a panorama must be 2:1"):
        run(root)
    assert_nothing_imported(media_root)


def test_the_import_announces_each_scene_for_preparation(db, legacy, django_capture_on_commit_callbacks):
    from catalog.signals import scene_images_changed

    root, _ = legacy
    received = []

    def receiver(sender, scene, **kwargs):
        received.append(scene.slug)

    scene_images_changed.connect(receiver, weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            run(root)
        assert set(received) == {"cozinha", "sala"}
        assert set(Scene.objects.values_list("preparation_status", flat=True)) == {"pending"}
        received.clear()
        with django_capture_on_commit_callbacks(execute=True):
            run(root)
        assert received == []  # nothing changed, nothing to prepare again
    finally:
        scene_images_changed.disconnect(receiver)
