"""Tenant scoping for every back-office page.

All querysets the admin builds (change lists, change/delete/history pages,
autocomplete, raw-id popups, inline formsets, foreign-key choices) go through
``TenantQuerySet.for_user``: superusers see everything, a tenant's staff only
their tenants' rows, staff without a tenant nothing. An object outside the
scope answers 404, like one that does not exist.
"""

from django.contrib import admin
from django.http import Http404
from django.utils.html import format_html

from tenants.models import Membership

THUMBNAIL_SIZE = 64


def has_tenant(user):
    """A superuser, or an active staff user with at least one membership (asked once per request)."""
    if not (user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    if not hasattr(user, "_panoconfig_has_tenant"):
        user._panoconfig_has_tenant = Membership.objects.filter(user=user).exists()
    return user._panoconfig_has_tenant


def _scope_choices(db_field, request, kwargs):
    related = db_field.remote_field.model
    manager = related._default_manager
    if "queryset" not in kwargs and hasattr(manager.get_queryset(), "for_user"):
        kwargs["queryset"] = manager.get_queryset().for_user(request.user)


class TenantScopedMixin:
    """For ModelAdmin and InlineModelAdmin of models managed by a TenantQuerySet."""

    def get_queryset(self, request):
        return super().get_queryset(request).for_user(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        _scope_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        _scope_choices(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_module_permission(self, request):
        return has_tenant(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return has_tenant(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return has_tenant(request.user) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return has_tenant(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return has_tenant(request.user) and super().has_delete_permission(request, obj)


class TenantScopedAdmin(TenantScopedMixin, admin.ModelAdmin):
    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django redirects to the index with "doesn't exist"; another tenant's
        # object must look exactly like a missing one, and a 404 says so plainly.
        raise Http404(f"No {opts.verbose_name} with this id.")

    def get_changeform_initial_data(self, request):
        """A member of a single tenant gets it preselected on add pages."""
        initial = super().get_changeform_initial_data(request)
        if any(field.name == "tenant" for field in self.model._meta.fields) and "tenant" not in initial:
            from tenants.models import Tenant

            tenants = list(Tenant.objects.for_user(request.user).values_list("pk", flat=True)[:2])
            if len(tenants) == 1:
                initial["tenant"] = tenants[0]
        return initial

    def get_list_filter(self, request):
        return [self._only_related(spec) for spec in super().get_list_filter(request)]

    def _only_related(self, spec):
        """A foreign-key filter lists only the values present in the (scoped) list,
        never every tenant's rows."""
        if isinstance(spec, str) and "__" not in spec and self.model._meta.get_field(spec).is_relation:
            return (spec, admin.RelatedOnlyFieldListFilter)
        return spec


def thumbnail_tag(field_file, alt="", size=THUMBNAIL_SIZE):
    if not field_file:
        return "—"
    return format_html(
        '<img src="{}" alt="{}" loading="lazy" style="max-width:{}px;max-height:{}px;object-fit:contain">',
        field_file.url,
        alt,
        size * 2,
        size,
    )
