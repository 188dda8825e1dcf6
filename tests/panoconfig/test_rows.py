"""RowReader reads exactly what the ORM reads, binds every value, and gives saveable instances."""

import pytest

from catalog.models import Scene
from panoconfig.rows import RowReader
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def field_values(instance):
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


def test_a_row_read_equals_the_orms_in_every_field(scene):
    Scene.objects.filter(pk=scene.pk).update(default_yaw=-12.5, is_published=True, prepared_inputs="abc")
    expected = Scene.objects.get(pk=scene.pk)
    read = RowReader(Scene, "tenant_id = %s AND slug = %s").first([scene.tenant_id, scene.slug])
    assert field_values(read) == field_values(expected)
    assert read.updated_at.tzinfo is not None and read.is_published is True
    assert read.base_image.name == expected.base_image.name and read.base_image.size > 0
    assert (read._state.adding, read._state.db) == (False, "default")


def test_no_matching_row_is_none_and_values_are_never_sql(owner_tenant):
    reader = RowReader(Tenant, "slug = %s AND is_active")
    assert reader.first(["nobody"]) is None
    assert reader.first(["acme' OR '1'='1"]) is None
    assert reader.first([owner_tenant.slug]).pk == owner_tenant.pk
    owner_tenant.is_active = False
    owner_tenant.save()
    assert reader.first([owner_tenant.slug]) is None


def test_an_instance_read_saves_as_an_update(owner_tenant):
    read = RowReader(Tenant, "id = %s").first([owner_tenant.pk])
    read.name = "Renamed"
    read.save()
    assert Tenant.objects.count() == 1 and Tenant.objects.get().name == "Renamed"
