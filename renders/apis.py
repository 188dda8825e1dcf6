"""The totem's HTTP API (DESIGN.md): one view per operation, selectors read, services write."""

import io
import logging

import segno
from django.http import Http404, HttpResponse
from django_ratelimit.core import get_usage
from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from panoconfig.client_ip import client_ip
from panoconfig.errors import CACHE_ERRORS
from renders import selectors, services
from renders.combinations import SelectionError, combination_from_selection, scene_layers
from renders.health import health_checks
from renders.models import JobStatus
from tenants.models import TenantApiKey

MAX_BODY_BYTES = 16 * 1024
logger = logging.getLogger(__name__)


class QueueUnavailableError(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Rendering is unavailable for a moment (job queue unreachable); try again shortly."
    default_code = "queue_unavailable"

    def __init__(self):
        super().__init__()
        self.wait = 5  # DRF turns this into Retry-After


class LimitedJSONParser(JSONParser):
    """JSON bodies only, and small ones: a render request is a few hundred bytes."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        length = request.META.get("CONTENT_LENGTH") if request is not None else None
        if length and length.isdigit() and int(length) > MAX_BODY_BYTES:
            raise exceptions.ParseError(f"The body may not exceed {MAX_BODY_BYTES} bytes.")
        return super().parse(stream, media_type, parser_context)


class TenantApi(APIView):
    """Resolves the tenant from the URL: an unknown or inactive tenant is a 404."""

    renderer_classes = [JSONRenderer]
    parser_classes = [LimitedJSONParser]

    def initial(self, request, *args, **kwargs):
        # Read once, before the permission check, which uses it (tenants.api_auth); an unknown
        # tenant is still a 404 only after authentication, as before.
        self.tenant = selectors.tenant_get_active(slug=kwargs["tenant"])
        super().initial(request, *args, **kwargs)
        if request.method in ("GET", "HEAD"):
            self.check_rate(request, scopes=("read",))
        if self.tenant is None:
            raise Http404("No such tenant.")

    def client_budget_key(self, group, request):
        """A kiosk with its own API key has its own budget; anonymous clients share their address's.

        Totems of a showroom usually reach us from one public address, so keys let them count apart.
        """
        api_key = self.request.auth
        if isinstance(api_key, TenantApiKey):
            return f"key:{api_key.pk}"
        return f"ip:{client_ip(request)}"

    def rate_limits(self):
        return {
            "client": ("renders-ip", self.client_budget_key, settings.PANOCONFIG_RATE_PER_IP),
            "read": ("api-read", self.client_budget_key, settings.PANOCONFIG_READ_RATE_PER_IP),
            "tenant": ("renders-tenant", lambda group, req: self.tenant.slug, settings.PANOCONFIG_RATE_PER_TENANT),
        }

    def check_rate(self, request, scopes=("client", "tenant")):
        """django-ratelimit per client (address or API key) and per tenant; 429 with Retry-After.

        The tenant's budget guards render capacity, so an answer served from the cache of ready
        combinations counts against the client's budget only (RenderCreateApi.post).
        """
        limits = self.rate_limits()
        for scope in scopes:
            group, key, rate = limits[scope]
            try:
                usage = get_usage(request._request, group=group, key=key, rate=rate, increment=True)
            except CACHE_ERRORS as error:
                # The counters live in Redis: while it is away, totems keep being served unlimited.
                logger.warning("rate limit %s not checked, the cache is unavailable: %s", group, error)
                continue
            if usage and usage["should_limit"]:
                raise exceptions.Throttled(wait=max(1, usage["time_left"]))

    def build_combination(self, build):
        combination = selectors.combination_get(tenant=self.tenant, build=build)
        if combination is None:
            raise Http404("No such build.")
        return combination


class ViewerLevelSerializer(serializers.Serializer):
    tileSize = serializers.IntegerField()  # noqa: N815 - Marzipano's spelling
    size = serializers.IntegerField()
    fallbackOnly = serializers.BooleanField(required=False)  # noqa: N815


class RenderOutputSerializer(serializers.Serializer):
    class ProgressSerializer(serializers.Serializer):
        tiles_done = serializers.IntegerField()
        tiles_total = serializers.IntegerField()
        levels_ready = serializers.IntegerField()

    class ViewerSerializer(serializers.Serializer):
        levels = ViewerLevelSerializer(many=True)
        tiles = serializers.DictField(child=serializers.URLField(), help_text='"f/0/0/0" → tile URL')

    build = serializers.CharField()
    scene = serializers.CharField()
    selection = serializers.DictField(child=serializers.CharField())
    status = serializers.ChoiceField(choices=JobStatus.choices)
    progress = ProgressSerializer()
    status_url = serializers.CharField()
    viewer = ViewerSerializer()
    error = serializers.CharField(required=False)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


# Every answer an operation can give is in the schema, errors included (schemathesis checks it).
_READ_ERRORS = {
    401: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 429: ErrorSerializer, 503: ErrorSerializer,
}
_WRITE_ERRORS = {**_READ_ERRORS, 400: OpenApiTypes.OBJECT, 413: ErrorSerializer, 415: ErrorSerializer}


def _queued(service, **kwargs):
    """Call a service that may queue a job; 503 (not 500) when the broker is away."""
    try:
        return service(**kwargs)
    except services.QueueUnavailable:
        raise QueueUnavailableError() from None


def _render_response(state, *, tenant, request, build):
    data = selectors.render_state_data(state=state, build=build, tenant=tenant, request=request)
    code = status.HTTP_202_ACCEPTED if state.status in (JobStatus.QUEUED, JobStatus.RENDERING) else status.HTTP_200_OK
    return Response(data, status=code)


class RenderCreateApi(TenantApi):
    class InputSerializer(serializers.Serializer):
        scene = serializers.SlugField(max_length=60)
        selection = serializers.DictField(
            child=serializers.SlugField(max_length=8), required=False, default=dict, allow_empty=True
        )

        def validate_selection(self, value):
            if len(value) > 64:
                raise serializers.ValidationError("Too many layers.")
            for key in value:
                if len(key) > 60:
                    raise serializers.ValidationError("Layer names are at most 60 characters.")
            return value

    @extend_schema(
        request=InputSerializer,
        responses={200: RenderOutputSerializer, 202: RenderOutputSerializer, **_WRITE_ERRORS},
        summary="Ask for a combination's tiles",
    )
    def post(self, request, tenant):
        self.check_rate(request, scopes=("client",))
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        scene = selectors.scene_get_published(tenant=self.tenant, slug=body.validated_data["scene"])
        if scene is None:
            raise exceptions.ValidationError({"scene": ["Unknown scene."]})
        answer_key = selectors.ready_answer_key(scene=scene, selection=body.validated_data["selection"], request=request)
        cached = selectors.ready_answer_get(key=answer_key)
        if cached is not None:
            return Response(cached, status=status.HTTP_200_OK)
        self.check_rate(request, scopes=("tenant",))
        try:
            combination = combination_from_selection(
                scene=scene, selection=body.validated_data["selection"], layers=scene_layers(scene)
            )
        except SelectionError as error:
            raise exceptions.ValidationError(error.messages) from None
        state = _queued(services.render_request, combination=combination)
        response = _render_response(state, tenant=self.tenant, request=request, build=combination.build)
        if state.is_ready:
            selectors.ready_answer_set(key=answer_key, data=response.data, job=state.job)
        return response


class RenderDetailApi(TenantApi):
    @extend_schema(responses={200: RenderOutputSerializer, 202: RenderOutputSerializer, **_READ_ERRORS},
                   summary="A build's state")
    def get(self, request, tenant, build):
        combination = self.build_combination(build)
        state = _queued(services.render_request, combination=combination, create=False)
        if state is None:
            # A shared code nobody rendered yet (or whose scene changed): queue it like a POST.
            self.check_rate(request)
            state = _queued(services.render_request, combination=combination)
        return _render_response(state, tenant=self.tenant, request=request, build=build)


class StillOutputSerializer(serializers.Serializer):
    build = serializers.CharField()
    status = serializers.ChoiceField(choices=JobStatus.choices)
    status_url = serializers.CharField()
    url = serializers.URLField(allow_null=True)


def _still_response(job, *, tenant, request, build):
    data = selectors.still_state_data(job=job, build=build, tenant=tenant, request=request)
    code = status.HTTP_202_ACCEPTED if job.status in (JobStatus.QUEUED, JobStatus.RENDERING) else status.HTTP_200_OK
    return Response(data, status=code)


class StillApi(TenantApi):
    @extend_schema(request=None, responses={200: StillOutputSerializer, 202: StillOutputSerializer, **_WRITE_ERRORS},
                   summary="Ask for a flat 2D JPEG of a build")
    def post(self, request, tenant, build):
        self.check_rate(request)
        combination = self.build_combination(build)
        job = _queued(services.still_request, combination=combination)
        return _still_response(job, tenant=self.tenant, request=request, build=build)

    @extend_schema(responses={200: StillOutputSerializer, 202: StillOutputSerializer, **_READ_ERRORS},
                   summary="A still's state")
    def get(self, request, tenant, build):
        combination = self.build_combination(build)
        job = _queued(services.still_request, combination=combination, create=False)
        if job is None:
            raise Http404("No still was asked for this build.")
        return _still_response(job, tenant=self.tenant, request=request, build=build)


class QrCodeApi(TenantApi):
    @extend_schema(responses={(200, "image/svg+xml"): OpenApiTypes.STR, **_READ_ERRORS},
                   summary="QR code of the share URL")
    def get(self, request, tenant, build):
        combination = self.build_combination(build)
        url = request.build_absolute_uri(
            f"/t/{self.tenant.slug}/?scene={combination.scene.slug}&build={combination.build}"
        )
        # A standalone SVG document needs its namespace, or an <img> (the totem) cannot show it.
        buffer = io.BytesIO()
        segno.make(url, error="m").save(buffer, kind="svg", scale=8, border=2, xmldecl=False)
        svg = buffer.getvalue()
        response = HttpResponse(svg, content_type="image/svg+xml")
        response["Cache-Control"] = "public, max-age=86400"
        return response


class TenantConfigApi(TenantApi):
    @extend_schema(responses={200: OpenApiTypes.OBJECT, **_READ_ERRORS}, summary="Published scenes, layers and options")
    def get(self, request, tenant):
        return Response(selectors.tenant_config_data(tenant=self.tenant, request=request))


class HealthApi(APIView):
    renderer_classes = [JSONRenderer]

    @extend_schema(responses={200: OpenApiTypes.OBJECT, 503: OpenApiTypes.OBJECT}, summary="Service health")
    def get(self, request):
        checks = health_checks()
        healthy = all(value == "ok" for value in checks.values())
        return Response(
            {"status": "ok" if healthy else "error", "checks": checks},
            status=status.HTTP_200_OK if healthy else status.HTTP_503_SERVICE_UNAVAILABLE,
        )
