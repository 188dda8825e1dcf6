import re

import pytest

from tenants.models import AllowedOrigin, Tenant

pytestmark = [pytest.mark.urls("tests.production.urls"), pytest.mark.django_db]


def csp_directives(response):
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ") if part}


def test_responses_carry_hsts_nosniff_referrer_and_coop(client):
    response = client.get("/api/v1/health", secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_pages_refuse_framing_and_scripts_from_elsewhere(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    directives = csp_directives(response)
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["script-src"] == ["'self'"]  # no nonce asked for, none granted
    assert directives["default-src"] == ["'self'"]


def test_the_totem_script_runs_by_the_nonce_in_its_csp(client, acme):
    response = client.get("/t/acme/")
    assert response.status_code == 200
    nonce = re.search(r'<script nonce="([^"]+)">', response.content.decode())[1]
    assert len(nonce) >= 22
    assert csp_directives(response)["script-src"] == ["'self'", f"'nonce-{nonce}'"]
    assert client.get("/t/acme/").content.decode().count(nonce) == 0  # fresh per response


def test_a_tenant_can_frame_its_totem_on_its_own_origins_only(client, acme, globex):
    AllowedOrigin.objects.create(tenant=acme, origin="https://www.acme.example")
    response = client.get("/t/acme/")
    assert csp_directives(response)["frame-ancestors"] == [
        "'self'",
        "https://showroom.acme.example",
        "https://www.acme.example",
    ]
    assert "X-Frame-Options" not in response
    assert "https://kiosk.globex.example" not in response["Content-Security-Policy"]


def test_an_inactive_or_unknown_tenant_gets_no_framing_exemption(client, acme):
    Tenant.objects.filter(pk=acme.pk).update(is_active=False)
    response = client.get("/t/acme/")
    assert response.status_code == 404
    assert response["X-Frame-Options"] == "DENY"
    assert csp_directives(response)["frame-ancestors"] == ["'none'"]


def test_plain_http_is_redirected_to_https_behind_the_proxy(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/admin/login/", HTTP_X_FORWARDED_PROTO="http")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/admin/login/"
    assert client.get("/admin/login/", HTTP_X_FORWARDED_PROTO="https").status_code == 200
    # The platform probes the health check over plain HTTP.
    assert client.get("/api/v1/health").status_code == 200


def test_session_and_csrf_cookies_are_secure_and_http_only(client):
    response = client.get("/admin/login/", secure=True)
    csrf = response.cookies["csrftoken"]
    assert csrf["secure"] is True
    from django.conf import settings as live

    assert live.SESSION_COOKIE_SECURE and live.SESSION_COOKIE_HTTPONLY


@pytest.mark.urls("panoconfig.urls")
def test_the_api_docs_page_runs_swagger_from_our_static_files_under_the_strict_policy(client):
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    page = docs.content.decode()
    script_src = csp_directives(docs)["script-src"]
    assert "'unsafe-inline'" not in script_src
    assert "cdn.jsdelivr.net" not in page and "cdn.jsdelivr.net" not in docs["Content-Security-Policy"]
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    start_up = client.get("/api/docs/?script=")
    assert start_up.status_code == 200
    assert start_up["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in start_up.content
