"""seed_demo at a small size: rows, users, files, and the same result when run again."""

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from PIL import Image

from catalog.demo_scene import LAYERS
from catalog.models import Layer, LayerOption, Material, Scene
from tenants.models import Membership, Tenant


def seed(*args):
    from io import StringIO

    out = StringIO()
    call_command("seed_demo", "--size", "2048", *args, stdout=out)
    return out.getvalue()


def snapshot():
    return {
        "tenants": list(Tenant.objects.values_list("slug", flat=True)),
        "users": sorted(get_user_model().objects.values_list("username", flat=True)),
        "materials": Material.objects.count(),
        "scenes": list(Scene.objects.values_list("slug", "base_digest")),
        "layers": list(Layer.objects.values_list("pk", "slug", "mask_digest")),
        "options": list(LayerOption.objects.values_list("pk", "code", "image_digest")),
    }


def stored(media_root):
    return sorted(p.relative_to(media_root).as_posix() for p in media_root.rglob("*") if p.is_file())


@pytest.fixture(scope="session")
def kitchen_images():
    from catalog.management.commands import seed_demo

    return seed_demo.render_images(2048)


@pytest.fixture(autouse=True)
def render_once(monkeypatch, kitchen_images):
    """The generator is deterministic (a --force re-run proves it): render it once per session."""
    from catalog.management.commands import seed_demo

    monkeypatch.setattr(seed_demo, "render_images", lambda size: kitchen_images)


@pytest.fixture
def seeded(db, monkeypatch):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "demo-pass-for-tests")
    return seed()


def test_it_creates_the_demo_tenant_with_its_origins(seeded):
    tenant = Tenant.objects.get(slug="demo")
    assert sorted(tenant.origins) == ["http://127.0.0.1:8000", "http://localhost:8000"]


def test_the_kitchen_has_layers_with_at_least_four_options_each(seeded):
    scene = Scene.objects.get(tenant__slug="demo", slug="kitchen")
    assert scene.is_published and scene.projection == "equirect" and (scene.width, scene.height) == (2048, 1024)
    layers = list(scene.layers.all())
    assert [layer.slug for layer in layers] == ["countertop", "backsplash", "floor", "cabinets"]
    for layer in layers:
        options = list(layer.options.all())
        assert len(options) >= 4
        assert layer.default_option == options[0] and not options[0].image  # the base shows the first
        assert all(option.image and option.material.thumbnail for option in options[1:])


def test_masks_are_grey_with_antialiased_edges_and_options_change_only_their_layer(seeded):
    layer = Layer.objects.get(slug="countertop")
    with Image.open(layer.mask_image) as image:
        assert image.mode == "L" and image.size == (2048, 1024)
        mask = np.asarray(image)
    partial = np.count_nonzero((mask > 0) & (mask < 255))
    assert np.count_nonzero(mask == 255) > 1000 and partial > 100
    with Image.open(layer.scene.base_image) as base, Image.open(layer.options.all()[1].image) as option:
        difference = np.abs(np.asarray(base, dtype=np.int16) - np.asarray(option, dtype=np.int16)).max(axis=2)
    assert difference[mask == 255].mean() > 20  # marble became granite
    assert difference[mask == 0].mean() < 3  # the rest is the base (JPEG noise aside)


def test_it_creates_the_superuser_and_the_tenant_staff_user(seeded):
    User = get_user_model()
    admin = User.objects.get(username="admin")
    staff = User.objects.get(username="demo-admin")
    assert admin.is_superuser and admin.check_password("demo-pass-for-tests")
    assert staff.is_staff and not staff.is_superuser and staff.check_password("demo-pass-for-tests")
    assert Membership.objects.filter(user=staff, tenant__slug="demo").exists()
    assert staff.has_perm("catalog.change_scene")


def test_running_it_twice_changes_nothing(seeded, media_root):
    before, files = snapshot(), stored(media_root)
    output = seed()
    assert "exists and is complete" in output
    assert snapshot() == before and stored(media_root) == files


def test_forcing_a_regeneration_stores_no_duplicate_files(seeded, media_root, monkeypatch):
    from catalog.management.commands import seed_demo

    monkeypatch.undo()  # really render again: the same pixels must give the same files
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "demo-pass-for-tests")
    assert seed_demo.render_images.__name__ == "render_images"
    before, files = snapshot(), stored(media_root)
    seed("--force")
    assert snapshot() == before and stored(media_root) == files


def test_generated_passwords_are_printed_once(db, monkeypatch):
    monkeypatch.delenv("DEMO_ADMIN_PASSWORD", raising=False)
    first = seed()
    assert "User admin created, password: " in first
    password = first.split("User demo-admin created, password: ")[1].split()[0]
    assert get_user_model().objects.get(username="demo-admin").check_password(password)
    second = seed()
    assert "password:" not in second and "User admin exists (password unchanged)." in second


def test_the_demo_admin_sees_the_kitchen_in_the_admin(seeded, client):
    client.force_login(get_user_model().objects.get(username="demo-admin"))
    response = client.get("/admin/catalog/scene/")
    assert response.status_code == 200 and b"Kitchen" in response.content
    layer = Layer.objects.get(slug="floor")
    response = client.get(f"/admin/catalog/layer/{layer.pk}/change/")
    assert response.status_code == 200 and response.content.count(b"<img") >= 4


def test_a_size_that_cannot_tile_is_refused(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="at least 2048"):
        call_command("seed_demo", "--size", "1024")


def test_layers_come_from_the_generator(seeded):
    assert Layer.objects.count() == len(LAYERS) >= 3


def test_forcing_another_size_replaces_the_scene_images(seeded, monkeypatch):
    from catalog.management.commands import seed_demo

    monkeypatch.undo()
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "demo-pass-for-tests")
    scene_pk = Scene.objects.get(slug="kitchen").pk
    call_command("seed_demo", "--size", "2400", "--force", stdout=__import__("io").StringIO())
    scene = Scene.objects.get(slug="kitchen")
    assert scene.pk == scene_pk and (scene.width, scene.height) == (2400, 1200)
    with Image.open(Layer.objects.get(slug="floor").mask_image) as mask:
        assert mask.size == (2400, 1200)
    assert LayerOption.objects.count() == 16
    assert seed_demo.render_images.__name__ == "render_images"


def test_seeding_announces_the_kitchen_for_preparation(db, monkeypatch, django_capture_on_commit_callbacks):
    from catalog.signals import scene_images_changed

    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "demo-pass-for-tests")
    received = []
    scene_images_changed.connect(lambda sender, scene, **kw: received.append(scene.slug), weak=False,
                                 dispatch_uid="test-seed")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            seed()
    finally:
        scene_images_changed.disconnect(dispatch_uid="test-seed")
    assert set(received) == {"kitchen"}
    assert Scene.objects.get(slug="kitchen").preparation_status == "pending"
