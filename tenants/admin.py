from django.contrib import admin

from tenants.admin_mixins import TenantScopedAdmin, TenantScopedMixin, thumbnail_tag
from tenants.models import AllowedOrigin, Membership, Tenant
from tenants.services import membership_create

admin.site.site_header = "Panoconfig back office"
admin.site.site_title = "Panoconfig"
admin.site.index_title = "Scenes, materials and tenants"


class AllowedOriginInline(TenantScopedMixin, admin.TabularInline):
    model = AllowedOrigin
    extra = 0


class MembershipInline(TenantScopedMixin, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]

    def has_add_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Tenant)
class TenantAdmin(TenantScopedAdmin):
    list_display = ["logo_preview", "name", "slug", "is_active", "language", "created_at"]
    list_display_links = ["name"]
    list_filter = ["is_active", "language"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [AllowedOriginInline, MembershipInline]

    @admin.display(description="Logo")
    def logo_preview(self, obj):
        return thumbnail_tag(obj.logo, alt=obj.name, size=32)

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return ()
        # A tenant's staff may not rename, re-slug or switch off their own tenant.
        return ("slug", "is_active")

    def get_prepopulated_fields(self, request, obj=None):
        return self.prepopulated_fields if request.user.is_superuser else {}

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Membership)
class MembershipAdmin(TenantScopedAdmin):
    list_display = ["user", "tenant", "created_at"]
    list_select_related = ["user", "tenant"]
    list_filter = ["tenant"]
    search_fields = ["user__username", "user__email", "tenant__name"]
    autocomplete_fields = ["user", "tenant"]

    # Tenant staff see who shares their back office; granting access is a superuser's job.
    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            obj.pk = membership_create(user=obj.user, tenant=obj.tenant).pk
