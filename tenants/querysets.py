from django.db import models


class TenantQuerySet(models.QuerySet):
    """Scoping shared by every tenant-owned model.

    A model names the path to its tenant in ``tenant_field`` ("tenant" by default,
    "scene__tenant" for a layer, "pk" for the tenant itself); selectors, the admin
    and the API all scope through these two methods, so no caller writes the filter.
    """

    def _tenant_path(self):
        field = getattr(self.model, "tenant_field", "tenant")
        return "" if field == "pk" else f"{field}__"

    def for_tenant(self, tenant):
        field = getattr(self.model, "tenant_field", "tenant")
        return self.filter(**{field: tenant.pk if field == "pk" else tenant})

    def for_user(self, user):
        """What a back-office user may see: everything for a superuser, else their tenants'."""
        if not (user and user.is_active and user.is_staff):
            return self.none()
        if user.is_superuser:
            return self.all()
        path = self._tenant_path()
        return self.filter(**{f"{path}memberships__user": user}).distinct()
