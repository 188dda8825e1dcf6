from tenants.models import Membership
from tenants.services import TENANT_STAFF_GROUP, membership_create, tenant_staff_group_sync
from tests.factories import make_user


def test_membership_create_makes_a_staff_member_with_the_group(owner_tenant):
    user = make_user("newcomer", is_staff=False)
    membership_create(user=user, tenant=owner_tenant)
    membership_create(user=user, tenant=owner_tenant)
    user.refresh_from_db()
    assert user.is_staff and Membership.objects.filter(user=user).count() == 1
    assert user.groups.get().name == TENANT_STAFF_GROUP
    assert user.has_perm("catalog.add_layeroption") and user.has_perm("tenants.change_tenant")
    assert not user.has_perm("tenants.add_tenant") and not user.has_perm("tenants.delete_membership")


def test_the_group_sync_is_idempotent(db):
    first = set(tenant_staff_group_sync().permissions.values_list("codename", flat=True))
    second = set(tenant_staff_group_sync().permissions.values_list("codename", flat=True))
    assert first == second and "view_membership" in first and "change_membership" not in first
