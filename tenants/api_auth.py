"""DRF pieces for per-tenant API keys (kiosk devices).

Both are in REST_FRAMEWORK's defaults; a view that sets its own classes adds them with
    authentication_classes = [TenantApiKeyAuthentication]
    permission_classes = [HasTenantApiKey]
The tenant is read from the URL keyword `tenant` (or `tenant_slug`).
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated, PermissionDenied
from rest_framework.permissions import BasePermission

from tenants.api_keys import api_key_find_active
from tenants.models import Tenant, TenantApiKey

TENANT_URL_KWARGS = ("tenant", "tenant_slug")


def presented_api_key(request):
    """The key in `Authorization: Bearer <key>` or `X-Api-Key: <key>`, else None."""
    authorization = request.headers.get("Authorization", "")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    value = request.headers.get("X-Api-Key", "").strip()
    return value or None


def tenant_slug_of(view):
    kwargs = getattr(view, "kwargs", None) or {}
    for name in TENANT_URL_KWARGS:
        if kwargs.get(name):
            return kwargs[name]
    return None


class TenantApiKeyAuthentication(BaseAuthentication):
    """No key: anonymous. A key that is unknown, malformed or revoked: 401."""

    def authenticate(self, request):
        raw_key = presented_api_key(request)
        if raw_key is None:
            return None
        api_key = api_key_find_active(raw_key=raw_key)
        if api_key is None:
            raise AuthenticationFailed("Invalid or revoked API key.")
        # No user: a kiosk is a device of the tenant, not a person.
        return (None, api_key)

    def authenticate_header(self, request):
        return 'Bearer realm="panoconfig"'


def _requires_key(view, slug):
    """Whether the view's active tenant needs a key; from the tenant the view already read
    (renders.apis.TenantApi) when it did, to spare a query on every request."""
    tenant = getattr(view, "tenant", _UNREAD)
    if tenant is _UNREAD or (tenant is not None and tenant.slug != slug):
        return Tenant.objects.filter(slug=slug, is_active=True, require_api_key=True).exists()
    return tenant is not None and tenant.require_api_key


_UNREAD = object()


class HasTenantApiKey(BasePermission):
    """Open endpoints stay open; a tenant with require_api_key needs one of its own keys.

    A key never opens another tenant's API, whether or not that tenant requires keys.
    """

    def has_permission(self, request, view):
        slug = tenant_slug_of(view)
        if slug is None:
            return True
        api_key = request.auth if isinstance(request.auth, TenantApiKey) else None
        if api_key is not None:
            if api_key.tenant.slug != slug:
                raise PermissionDenied("This API key belongs to another tenant.")
            return True
        requires_key = _requires_key(view, slug)
        if requires_key:
            raise NotAuthenticated("This tenant's API needs an API key.")
        return True  # an unknown tenant is the view's 404


class TenantApiKeyScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes the key (registered by being defined)."""

    target_class = TenantApiKeyAuthentication
    name = "tenantApiKey"

    def get_security_requirement(self, auto_schema):
        # The key is optional unless the tenant requires one: anonymous is listed too.
        return [{self.name: []}, {}]

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A kiosk API key of the tenant in the URL (also accepted as X-Api-Key). "
            "Needed only when the tenant requires keys.",
        }
