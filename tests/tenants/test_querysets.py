"""TenantQuerySet: what each kind of user may see, for every tenant-owned model."""

import pytest

from catalog.models import Layer, LayerOption, Material, Scene
from tenants.models import AllowedOrigin, Membership, Tenant
from tests.factories import make_user

MODELS = [Tenant, AllowedOrigin, Membership, Material, Scene, Layer, LayerOption]


@pytest.fixture
def two_tenants(scene, other_scene, owner, other_member):
    return scene.tenant, other_scene.tenant


def tenant_of(obj):
    path = getattr(type(obj), "tenant_field", "tenant")
    if path == "pk":
        return obj
    for part in path.split("__"):
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_for_tenant_keeps_only_that_tenants_rows(two_tenants, model):
    owner_tenant, other_tenant = two_tenants
    rows = list(model.objects.for_tenant(owner_tenant))
    assert rows and all(tenant_of(row) == owner_tenant for row in rows)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_for_user_scopes_members_to_their_tenants(two_tenants, owner, model):
    owner_tenant, _ = two_tenants
    rows = list(model.objects.for_user(owner))
    assert rows and {tenant_of(row) for row in rows} == {owner_tenant}


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_for_user_gives_nothing_to_outsiders_and_everything_to_superusers(two_tenants, outsider, superuser, model):
    assert not model.objects.for_user(outsider).exists()
    assert model.objects.for_user(superuser).count() == model.objects.count()


def test_for_user_gives_nothing_to_inactive_or_non_staff_members(owner_tenant):
    inactive = make_user("inactive", tenant=owner_tenant)
    inactive.is_active = False
    inactive.save()
    customer = make_user("customer", tenant=owner_tenant)
    customer.is_staff = False
    customer.save()
    assert not Tenant.objects.for_user(inactive).exists()
    assert not Tenant.objects.for_user(customer).exists()


def test_a_member_of_two_tenants_sees_both_without_duplicates(owner_tenant, other_tenant):
    from tenants.services import membership_create

    user = make_user("both", tenant=owner_tenant)
    membership_create(user=user, tenant=other_tenant)
    assert sorted(Tenant.objects.for_user(user).values_list("slug", flat=True)) == ["acme", "rival"]
    assert AllowedOrigin.objects.for_user(user).count() == 2
