"""Stand-ins for the totem page, a tenant API endpoint and a tile URL, so the hardening
rules are tested on the paths they guard even before those apps exist on this branch."""

from django.contrib import admin
from django.http import Http404, HttpResponse
from django.template import engines
from django.urls import path, re_path
from rest_framework.response import Response
from rest_framework.views import APIView

from tenants.models import Tenant

_TOTEM = engines["django"].from_string(
    "<!doctype html><title>{{ tenant.name }}</title>"
    '<script nonce="{{ request.csp_nonce }}">window.tenant = "{{ tenant.slug }}";</script>'
)


def totem(request, tenant):
    tenant = Tenant.objects.filter(slug=tenant, is_active=True).first()
    if tenant is None:
        raise Http404
    return HttpResponse(_TOTEM.render({"tenant": tenant}, request))


def tile(request, key):
    return HttpResponse(b"\xff\xd8\xff", content_type="image/jpeg")


class TenantConfigApi(APIView):
    def get(self, request, tenant):
        tenant = Tenant.objects.filter(slug=tenant, is_active=True).first()
        if tenant is None:
            raise Http404
        return Response({"tenant": tenant.slug})

    def post(self, request, tenant):
        return Response({"received": len(request.body)})


class HealthApi(APIView):
    def get(self, request):
        return Response({"status": "ok"})


urlpatterns = [
    path("admin/", admin.site.urls),
    path("t/<slug:tenant>/", totem),
    re_path(r"^tiles/(?P<key>[a-z0-9/]+\.jpg)$", tile),
    path("api/v1/health", HealthApi.as_view()),
    path("api/v1/tenants/<slug:tenant>/config", TenantConfigApi.as_view()),
]
