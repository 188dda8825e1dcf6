"""Error views: JSON under /api/, and 503 instead of 500 when a backing service is away.

Django calls ``handler500`` inside the ``except`` block of any uncaught exception,
from a view or a middleware, so the exception is still at hand here.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.views.defaults import page_not_found as django_page_not_found
from django.views.defaults import server_error as django_server_error
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

# What the Django cache raises when Redis is away: callers that can do without it catch these.
CACHE_ERRORS = (RedisError, ConnectionError, OSError)

RETRY_AFTER_SECONDS = 5
UNAVAILABLE = {
    "database": (OperationalError, InterfaceError),
    "cache or job queue": (RedisConnectionError, RedisTimeoutError, BrokerError),
}


def unavailable_service(error):
    """Which backing service an exception says is unreachable, or None."""
    for name, kinds in UNAVAILABLE.items():
        if isinstance(error, kinds):
            return name
    return None


def server_error(request, template_name="500.html"):
    service = unavailable_service(sys.exc_info()[1])
    if service is None:
        return django_server_error(request, template_name)
    response = JsonResponse(
        {"detail": f"The service is briefly unavailable ({service} unreachable); try again in a few seconds."},
        status=503,
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def page_not_found(request, exception, template_name="404.html"):
    """An API client gets JSON for a path no route matches (a malformed slug or code)."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return django_page_not_found(request, exception, template_name)
