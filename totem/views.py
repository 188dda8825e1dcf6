from django.shortcuts import render
from django.views.decorators.http import require_safe

from totem.selectors import active_tenant_get, totem_boot_data


@require_safe
def totem_page(request, tenant_slug):
    tenant = active_tenant_get(slug=tenant_slug)
    context = {"tenant": tenant, "boot": totem_boot_data(tenant=tenant)}
    return render(request, "totem/page.html", context)
