"""Request-level protections that do not belong to one app: body size and totem framing."""

import re

from csp.constants import SELF
from django.conf import settings
from django.http import HttpResponse, JsonResponse

_MB = 1024 * 1024
_TOTEM_PATH = re.compile(r"^/t/(?P<slug>[-a-zA-Z0-9_]+)/$")


def body_limit_for(path):
    """Largest request body (bytes) accepted on a path."""
    if path.startswith("/admin/"):
        return settings.PANOCONFIG_ADMIN_MAX_BODY_MB * _MB
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class BodySizeLimitMiddleware:
    """Refuse an oversized body with 413 from its declared length, before anything reads it.

    A chunked body has no Content-Length; Django's own DATA_UPLOAD_MAX_MEMORY_SIZE check
    still stops it when a view reads it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        declared = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(declared)
        except ValueError:
            return JsonResponse({"detail": "Malformed Content-Length header."}, status=400)
        limit = body_limit_for(request.path_info)
        if length > limit:
            return JsonResponse(
                {"detail": f"Request body too large: {length} bytes, at most {limit} accepted."},
                status=413,
            )
        return self.get_response(request)


def totem_frame_ancestors(slug):
    """Origins allowed to embed a tenant's totem; None for an unknown or inactive tenant."""
    from tenants.models import Tenant

    tenant = Tenant.objects.filter(slug=slug, is_active=True).prefetch_related("allowed_origins").first()
    if tenant is None:
        return None
    return [SELF, *tenant.origins]


class TotemFramingMiddleware:
    """Let a tenant embed its totem page (`/t/<tenant>/`) on the origins it declared.

    Everywhere else the site refuses to be framed (X-Frame-Options DENY and CSP
    frame-ancestors 'none'). Must come after CSPMiddleware and XFrameOptionsMiddleware
    in MIDDLEWARE so it marks the response before they write their headers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = _TOTEM_PATH.match(request.path_info)
        if match and response.status_code == 200:
            ancestors = totem_frame_ancestors(match["slug"])
            if ancestors is not None:
                replace = dict(getattr(response, "_csp_replace", None) or {})
                replace["frame-ancestors"] = ancestors
                response._csp_replace = replace
                response.xframe_options_exempt = True
        return response


def rate_period_seconds(rate):
    """Seconds in the period of a django-ratelimit rate such as "10/m" or "100/5m"."""
    _, _, period = rate.partition("/")
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    multiplier = int(period[:-1]) if period[:-1] else 1
    return multiplier * units[period[-1]]


def admin_login_path():
    """The admin login URL, or None under a URLconf without the admin (some test setups)."""
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("admin:login")
    except NoReverseMatch:
        return None


class AdminLoginRateLimitMiddleware:
    """429 (with Retry-After) for password guessing on the admin login form.

    Counted per client address and per username tried, each at ADMIN_LOGIN_RATE, so
    neither rotating usernames nor rotating addresses buys more attempts.
    """

    def __init__(self, get_response):
        from django_ratelimit.core import is_ratelimited

        self.get_response = get_response
        self.is_ratelimited = is_ratelimited

    def __call__(self, request):
        if request.method == "POST" and request.path_info == admin_login_path():
            rate = settings.ADMIN_LOGIN_RATE
            limited = [
                self.is_ratelimited(request, group=f"admin-login-{key}", key=key, rate=rate, method="POST", increment=True)
                for key in ("ip", "post:username")
            ]
            if any(limited):
                retry_after = rate_period_seconds(rate)
                response = HttpResponse(
                    f"Too many login attempts. Try again in {retry_after} seconds.",
                    status=429,
                    content_type="text/plain; charset=utf-8",
                )
                response["Retry-After"] = str(retry_after)
                return response
        return self.get_response(request)
