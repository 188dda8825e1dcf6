from django.shortcuts import render
from django.views.decorators.http import require_safe

from totem.selectors import active_tenant_get, first_thumbnails, totem_boot_data

# Preloaded together so the browser fetches the module graph in one round trip.
MODULES = [f"totem/{name}.js" for name in ("main", "api", "config", "i18n", "kiosk", "picker", "share", "viewer")]


@require_safe
def totem_page(request, tenant_slug):
    tenant = active_tenant_get(slug=tenant_slug)
    boot = totem_boot_data(tenant=tenant, request=request)
    context = {
        "tenant": tenant,
        "boot": boot,
        "modules": MODULES,
        # The largest thing the page paints before the panorama: fetch them with the HTML.
        "thumbnails": first_thumbnails(config=boot["config"], scene_slug=request.GET.get("scene")),
    }
    return render(request, "totem/page.html", context)
