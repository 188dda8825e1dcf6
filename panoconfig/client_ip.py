import ipaddress

from django.conf import settings


def client_ip(request):
    """The client's address, trusting only as many X-Forwarded-For hops as we have proxies.

    Each trusted proxy appends the address it saw; entries further left are whatever
    the client chose to send, so they are never believed.
    """
    hops = settings.TRUSTED_PROXY_HOPS
    if hops:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= hops:
            candidate = forwarded[-hops]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                pass
    remote = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(remote))
    except ValueError:
        # No usable peer address (a Unix socket, a bare WSGI call): one shared bucket, never a crash.
        return UNKNOWN_CLIENT


UNKNOWN_CLIENT = "0.0.0.0"
