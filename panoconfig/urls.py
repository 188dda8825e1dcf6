from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from renders.views import tile_view

handler404 = "panoconfig.errors.page_not_found"
handler500 = "panoconfig.errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("totem.urls")),
    path("api/v1/", include("renders.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file, so the strict CSP holds here too.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    # Local tiles; with R2 the storage's URLs point at the CDN and this route is unused.
    re_path(r"^tiles/(?P<name>.+)$", tile_view, name="tile"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
