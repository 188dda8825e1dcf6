from django.test import RequestFactory

from panoconfig.client_ip import client_ip


def request(forwarded=None, remote="10.0.0.1"):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_only_the_socket_address_counts(settings):
    settings.TRUSTED_PROXY_HOPS = 0
    assert client_ip(request("203.0.113.9")) == "10.0.0.1"


def test_one_trusted_hop_takes_the_address_the_proxy_appended(settings):
    settings.TRUSTED_PROXY_HOPS = 1
    assert client_ip(request("6.6.6.6, 203.0.113.9")) == "203.0.113.9"


def test_two_trusted_hops_skip_the_cdn_edge(settings):
    settings.TRUSTED_PROXY_HOPS = 2
    assert client_ip(request("6.6.6.6, 203.0.113.9, 198.51.100.1")) == "203.0.113.9"


def test_a_short_or_garbled_header_falls_back_to_the_socket_address(settings):
    settings.TRUSTED_PROXY_HOPS = 2
    assert client_ip(request("203.0.113.9")) == "10.0.0.1"
    settings.TRUSTED_PROXY_HOPS = 1
    assert client_ip(request("not-an-ip")) == "10.0.0.1"
