"""Model constraints and the checks models make on themselves."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from catalog import services
from catalog.models import LayerOption, Scene
from tenants.models import Tenant
from tests.factories import content, image_bytes, make_material, mask_bytes


def test_scene_slugs_are_unique_per_tenant_only(scene, other_tenant):
    with pytest.raises(IntegrityError), transaction.atomic():
        Scene.objects.create(tenant=scene.tenant, slug=scene.slug, name="Again", base_image=content(image_bytes()))
    Scene.objects.create(tenant=other_tenant, slug=scene.slug, name="Elsewhere", base_image=content(image_bytes()))


def test_the_service_reports_a_duplicate_slug_on_the_field(scene):
    with pytest.raises(ValidationError) as caught:
        services.scene_create(tenant=scene.tenant, slug=scene.slug, name="Again", base_image=content(image_bytes()))
    assert "already exists" in str(caught.value)


def test_material_slugs_are_unique_per_tenant(owner_tenant):
    make_material(owner_tenant, "oak")
    with pytest.raises(ValidationError):
        make_material(owner_tenant, "oak")


def test_layers_have_unique_slugs_and_build_orders_per_scene(scene):
    with pytest.raises(ValidationError) as caught:
        services.layer_create(scene=scene, slug="layer-0", name="Dup", mask_image=content(mask_bytes()), build_order=9)
    assert caught.value.messages == ["Layer with this Scene and Slug already exists."]
    with pytest.raises(ValidationError):
        services.layer_create(scene=scene, slug="fresh", name="Dup", mask_image=content(mask_bytes()), build_order=0)


def test_a_material_is_offered_once_per_layer(scene):
    option = scene.layers.first().options.first()
    with pytest.raises(ValidationError):
        services.layer_option_create(layer=option.layer, material=option.material)


def test_an_option_must_use_a_material_of_the_scenes_tenant(scene, other_tenant):
    with pytest.raises(ValidationError) as caught:
        services.layer_option_create(layer=scene.layers.first(), material=make_material(other_tenant))
    assert caught.value.message_dict["material"] == ["Choose a material of this scene's tenant."]


def test_the_default_option_must_belong_to_the_layer(scene):
    first, second = scene.layers.all()
    with pytest.raises(ValidationError) as caught:
        services.layer_update(layer=first, default_option=second.options.first())
    assert caught.value.message_dict["default_option"] == ["The default option must be one of this layer's options."]
    first.refresh_from_db()
    assert first.get_default_option() == first.options.first()


def test_option_codes_stay_stable_when_others_are_removed(scene):
    layer = scene.layers.first()
    extra = services.layer_option_create(layer=layer, material=make_material(scene.tenant))
    services.layer_option_delete(option=layer.options.get(code="1"))
    assert LayerOption.objects.get(pk=extra.pk).code == "2"
    newest = services.layer_option_create(layer=layer, material=make_material(scene.tenant))
    assert newest.code == "1"


def test_a_tenant_colour_must_be_hex(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Tenant.objects.create(slug="bad", name="Bad", primary_color="red")


def test_the_scene_records_its_size_and_digest(scene):
    assert (scene.width, scene.height) == (2048, 1024) and len(scene.base_digest) == 64
