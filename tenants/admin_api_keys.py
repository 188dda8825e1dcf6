"""Back office for kiosk API keys: create (key shown once), list, revoke. Never deleted,
so the list stays an audit trail; staff see and act on their own tenants' keys only."""

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers

from tenants.api_keys import api_key_assign_secret, api_key_revoke
from tenants.models import Tenant, TenantApiKey


@admin.register(TenantApiKey)
class TenantApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "tenant", "prefix", "created_at", "last_used_at", "status")
    list_filter = ("tenant",)
    search_fields = ("name", "prefix")
    readonly_fields = ("prefix", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke_selected"]

    @admin.display(description="status")
    def status(self, obj):
        return "active" if obj.is_active else "revoked"

    def get_queryset(self, request):
        return super().get_queryset(request).for_user(request.user).select_related("tenant")

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return ("tenant", *fields) if obj else fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "tenant":
            kwargs["queryset"] = Tenant.objects.for_user(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            obj._raw_key = api_key_assign_secret(api_key=obj)
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        # The one and only time the key is visible: rendered into this page, not put in
        # a message (which could sit in a cookie), and never cached.
        response = TemplateResponse(
            request,
            "admin/tenants/tenantapikey/created.html",
            {**self.admin_site.each_context(request), "api_key": obj, "raw_key": obj._raw_key,
             "opts": self.opts, "title": "API key created"},
        )
        add_never_cache_headers(response)
        return response

    @admin.action(description="Revoke selected API keys")
    def revoke_selected(self, request, queryset):
        for api_key in queryset.filter(revoked_at__isnull=True):
            api_key_revoke(api_key=api_key)
        self.message_user(request, "Selected API keys are revoked.", messages.SUCCESS)
