"""The project's URLs plus the bare view `make load` compares the render POST with.

Only reachable when gunicorn runs with DJANGO_SETTINGS_MODULE=loadtest.bench_settings.
"""

from django.http import Http404
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from panoconfig.urls import handler404, handler500, urlpatterns as project_urlpatterns  # noqa: F401
from renders.apis import LimitedJSONParser, RenderCreateApi
from tenants.models import Tenant


class BareRenderBodyApi(APIView):
    """Validates a render body like the real POST and reads one row; nothing else."""

    authentication_classes = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]
    parser_classes = [LimitedJSONParser]

    def post(self, request, tenant):
        body = RenderCreateApi.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        row = Tenant.objects.filter(slug=tenant, is_active=True).values("pk", "slug").first()
        if row is None:
            raise Http404("No such tenant.")
        return Response({"tenant": row["slug"], "scene": body.validated_data["scene"]})


urlpatterns = [
    path("bench/bare/<slug:tenant>/renders", BareRenderBodyApi.as_view()),
    *project_urlpatterns,
]
