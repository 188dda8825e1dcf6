from django.urls import path, re_path

from renders import apis

app_name = "renders"

BUILD = r"(?P<build>[0-9a-z]{1,13}(?:\.[A-Za-z0-9_-]{1,64})+\.[0-9a-z]{5})"
TENANT = r"(?P<tenant>[-a-zA-Z0-9_]{1,50})"

urlpatterns = [
    path("health", apis.HealthApi.as_view(), name="health"),
    re_path(rf"^tenants/{TENANT}/config$", apis.TenantConfigApi.as_view(), name="config"),
    re_path(rf"^tenants/{TENANT}/renders$", apis.RenderCreateApi.as_view(), name="render-create"),
    re_path(rf"^tenants/{TENANT}/renders/{BUILD}$", apis.RenderDetailApi.as_view(), name="render-detail"),
    re_path(rf"^tenants/{TENANT}/renders/{BUILD}/still$", apis.StillApi.as_view(), name="still"),
    re_path(rf"^tenants/{TENANT}/renders/{BUILD}/qr\.svg$", apis.QrCodeApi.as_view(), name="qr"),
]
