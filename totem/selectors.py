"""What the totem page needs to boot: read-only lookups, no writes."""

from django.http import Http404

from renders.selectors import tenant_config_data
from tenants.models import Tenant

API_PREFIX = "/api/v1/tenants"


def active_tenant_get(*, slug):
    """The active tenant with this slug; an unknown or inactive one is a 404 alike."""
    tenant = Tenant.objects.filter(slug=slug, is_active=True).first()
    if tenant is None:
        raise Http404("No such totem.")
    return tenant


def totem_boot_data(*, tenant, request):
    """The settings the page's script starts from (embedded with json_script, never inline JS),
    with the catalog the config API gives, so the page needs no round trip before it paints."""
    api = f"{API_PREFIX}/{tenant.slug}"
    return {
        "tenant": tenant.slug,
        "name": tenant.name,
        "language": tenant.language,
        "idleResetSeconds": tenant.idle_reset_seconds,
        "primaryColor": tenant.primary_color,
        "logoUrl": tenant.logo.url if tenant.logo else "",
        "configUrl": f"{api}/config",
        "rendersUrl": f"{api}/renders",
        "config": None if _requires_key(tenant) else tenant_config_data(tenant=tenant, request=request),
    }


def _requires_key(tenant):
    # A tenant whose API needs a kiosk key keeps its catalog off the public page; the page then
    # fetches it with the key. (`require_api_key` comes with the production hardening.)
    return bool(getattr(tenant, "require_api_key", False))


def first_thumbnails(*, config, scene_slug=None):
    """Thumbnail URLs of the layer the page opens first (the requested scene's, else the first)."""
    scenes = config["scenes"] if config else []
    scene = next((s for s in scenes if s["slug"] == scene_slug), scenes[0] if scenes else None)
    if not scene or not scene["layers"]:
        return []
    return [option["thumbnail"] for option in scene["layers"][0]["options"] if option["thumbnail"]]
