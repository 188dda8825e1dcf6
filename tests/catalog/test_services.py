"""catalog.services: the write paths, the scene_images_changed signal, stored files."""

import pytest
from django.db import transaction
from django.urls import reverse

from catalog import services
from catalog.models import Layer, LayerOption, Scene
from catalog.signals import scene_images_changed
from tests.factories import content, image_bytes, make_material, mask_bytes, upload


@pytest.fixture
def received():
    calls = []

    def receiver(sender, scene, **kwargs):
        calls.append((sender, scene.pk))

    scene_images_changed.connect(receiver, weak=False)
    yield calls
    scene_images_changed.disconnect(receiver)


def stored_files(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_scene_create_tells_the_projection_from_the_aspect(owner_tenant):
    scene = services.scene_create(tenant=owner_tenant, slug="s", name="S", base_image=content(image_bytes((3072, 512))))
    assert scene.projection == "strip" and scene.base_digest and (scene.width, scene.height) == (3072, 512)


def test_the_signal_is_sent_after_commit(owner_tenant, received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            scene = services.scene_create(tenant=owner_tenant, slug="s", name="S", base_image=content(image_bytes()))
            services.layer_create(scene=scene, slug="a", name="A", mask_image=content(mask_bytes()))
            assert received == []
    assert set(received) == {(Scene, scene.pk)}
    scene.refresh_from_db()
    assert scene.preparation_status == "pending"


def test_no_signal_when_the_transaction_rolls_back(owner_tenant, received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                services.scene_create(tenant=owner_tenant, slug="s", name="S", base_image=content(image_bytes()))
                raise RuntimeError
    assert callbacks == [] and received == []
    assert not Scene.objects.exists()


def test_a_new_mask_marks_a_ready_scene_pending(scene, received, django_capture_on_commit_callbacks):
    Scene.objects.filter(pk=scene.pk).update(preparation_status="ready")
    layer = scene.layers.first()
    with django_capture_on_commit_callbacks(execute=True):
        services.layer_update(layer=layer, mask_image=content(mask_bytes(box=(0, 0, 10, 10))))
    scene.refresh_from_db()
    assert scene.preparation_status == "pending"
    assert received == [(Scene, scene.pk)]


def test_renaming_a_layer_sends_nothing(scene, received, django_capture_on_commit_callbacks):
    Scene.objects.filter(pk=scene.pk).update(preparation_status="ready")
    with django_capture_on_commit_callbacks(execute=True):
        services.layer_update(layer=scene.layers.first(), name="Countertop")
    assert received == []
    assert Scene.objects.get(pk=scene.pk).preparation_status == "ready"


def test_the_same_bytes_again_store_no_new_file_and_send_nothing(scene, received, media_root, django_capture_on_commit_callbacks):
    layer = scene.layers.first()
    before = stored_files(media_root)
    with django_capture_on_commit_callbacks(execute=True):
        services.layer_update(layer=layer, mask_image=content(mask_bytes(box=(0, 512, 256, 768))))
        services.scene_update(scene=scene, base_image=content(image_bytes()))
    assert stored_files(media_root) == before
    assert received == []


def test_replacing_an_image_removes_the_old_file_after_commit(scene, media_root, django_capture_on_commit_callbacks):
    option = scene.layers.first().options.last()
    old = media_root / option.image.name
    assert old.is_file()
    with django_capture_on_commit_callbacks(execute=True):
        services.layer_option_update(option=option, image=content(image_bytes(color=(1, 2, 3)), "n.png"))
    assert not old.is_file()
    assert (media_root / option.image.name).is_file()


def test_deleting_a_layer_removes_its_files_and_marks_the_scene(scene, received, media_root, django_capture_on_commit_callbacks):
    layer = scene.layers.last()
    names = [layer.mask_image.name] + [o.image.name for o in layer.options.all() if o.image]
    with django_capture_on_commit_callbacks(execute=True):
        services.layer_delete(layer=layer)
    assert not any((media_root / name).exists() for name in names)
    assert set(received) == {(Scene, scene.pk)}
    assert not LayerOption.objects.filter(layer_id=layer.pk).exists()


def test_an_option_without_an_image_keeps_the_base(scene):
    option = scene.layers.first().options.first()
    assert not option.image and option.image_digest == ""


def test_options_get_short_stable_codes_and_positions(scene):
    layer = scene.layers.first()
    option = services.layer_option_create(layer=layer, material=make_material(scene.tenant))
    assert [o.code for o in layer.options.all()] == ["0", "1", "2"]
    assert option.position == 2


def test_an_admin_change_of_an_option_image_sends_the_signal(client, owner, scene, received, django_capture_on_commit_callbacks):
    option = scene.layers.first().options.last()
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:catalog_layeroption_change", args=[option.pk]),
            {
                "layer": option.layer_id, "material": option.material_id, "position": option.position,
                "image": upload(image_bytes(color=(9, 9, 9))),
            },
        )
    assert response.status_code == 302
    assert received == [(Scene, scene.pk)]
    option.refresh_from_db()
    assert option.image_digest and option.layer.scene.preparation_status == "pending"


def test_layer_create_puts_new_layers_last(scene):
    layer = services.layer_create(scene=scene, slug="new", name="New", mask_image=content(mask_bytes()))
    assert layer.build_order == 2
    assert list(Layer.objects.filter(scene=scene).values_list("slug", flat=True)) == ["layer-0", "layer-1", "new"]


def test_saving_a_scene_held_in_memory_never_overwrites_its_preparation_state(scene):
    Scene.objects.filter(pk=scene.pk).update(preparation_status="ready", prepared_inputs="abc")
    stale = Scene.objects.get(pk=scene.pk)  # "ready" in memory
    services.layer_update(layer=scene.layers.first(), mask_image=content(mask_bytes(box=(0, 0, 64, 64))))
    services.scene_update(scene=stale, name="Renamed", is_published=False)
    stored = Scene.objects.get(pk=scene.pk)
    assert (stored.name, stored.preparation_status, stored.prepared_inputs) == ("Renamed", "pending", "abc")


def test_a_new_base_marks_the_instance_pending_too(scene):
    Scene.objects.filter(pk=scene.pk).update(preparation_status="ready")
    scene.refresh_from_db()
    services.scene_update(scene=scene, base_image=content(image_bytes(color=(5, 5, 5))))
    assert scene.preparation_status == "pending"
    assert Scene.objects.get(pk=scene.pk).preparation_status == "pending"
