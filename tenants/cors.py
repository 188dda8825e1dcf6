"""Per-tenant CORS for django-cors-headers (connected in TenantsConfig.ready()).

There is no global allow-list: a cross-origin request to a tenant's API is allowed only
from one of that active tenant's AllowedOrigin rows, and tiles (GET/HEAD) from any
active tenant's origin.
"""

import re

from django.conf import settings

from tenants.models import AllowedOrigin

_TENANT_API_PATH = re.compile(r"^/api/v1/tenants/(?P<slug>[-a-zA-Z0-9_]+)/")
_TILE_METHODS = ("GET", "HEAD", "OPTIONS")


def origin_allowed(*, path, method, origin):
    if not origin:
        return False
    active = AllowedOrigin.objects.filter(origin=origin, tenant__is_active=True)
    match = _TENANT_API_PATH.match(path)
    if match:
        return active.filter(tenant__slug=match["slug"]).exists()
    if path.startswith(settings.TILES_URL) and method in _TILE_METHODS:
        return active.exists()
    return False


def cors_allow_tenant_origins(sender, request, **kwargs):
    # The middleware may ask twice per request; answer from the first lookup.
    cached = getattr(request, "_panoconfig_cors_allowed", None)
    if cached is None:
        cached = origin_allowed(
            path=request.path_info, method=request.method, origin=request.headers.get("Origin")
        )
        request._panoconfig_cors_allowed = cached
    return cached
