"""Write paths for tenants and their staff."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from tenants.models import Membership

TENANT_STAFF_GROUP = "Tenant staff"
# What a tenant's staff may do in the back office; the admin scopes every one of
# these to the tenants the user is a member of.
TENANT_STAFF_PERMISSIONS = {
    "catalog": {
        "material": ("view", "add", "change", "delete"),
        "scene": ("view", "add", "change", "delete"),
        "layer": ("view", "add", "change", "delete"),
        "layeroption": ("view", "add", "change", "delete"),
    },
    "tenants": {
        "tenant": ("view", "change"),
        "allowedorigin": ("view", "add", "change", "delete"),
        "membership": ("view",),
    },
}


@transaction.atomic
def tenant_staff_group_sync():
    """The "Tenant staff" group with exactly the permissions above."""
    group, _ = Group.objects.get_or_create(name=TENANT_STAFF_GROUP)
    codenames = [
        (app, f"{action}_{model}")
        for app, models in TENANT_STAFF_PERMISSIONS.items()
        for model, actions in models.items()
        for action in actions
    ]
    permissions = [Permission.objects.get(content_type__app_label=app, codename=code) for app, code in codenames]
    group.permissions.set(permissions)
    return group


@transaction.atomic
def membership_create(*, user, tenant):
    """Make ``user`` a staff member of ``tenant`` (idempotent)."""
    membership, _ = Membership.objects.get_or_create(user=user, tenant=tenant)
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.groups.add(tenant_staff_group_sync())
    return membership
