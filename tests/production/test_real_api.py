"""The hardening rules on the service's real endpoints (renders/urls.py)."""

import pytest

from tenants.api_keys import api_key_revoke
from tenants.models import Tenant
from tests.production.conftest import OTHER_SHOWROOM, SHOWROOM

pytestmark = pytest.mark.django_db

CONFIG = "/api/v1/tenants/{}/config"


def test_config_answers_cors_to_its_tenants_origin_only(client, acme, globex):
    allowed = client.get(CONFIG.format("acme"), HTTP_ORIGIN=SHOWROOM)
    assert allowed.status_code == 200
    assert allowed["Access-Control-Allow-Origin"] == SHOWROOM
    foreign = client.get(CONFIG.format("acme"), HTTP_ORIGIN=OTHER_SHOWROOM)
    assert foreign.status_code == 200
    assert "Access-Control-Allow-Origin" not in foreign


def test_render_preflight_allows_the_tenants_origin_only(client, acme):
    def preflight(origin):
        return client.options(
            "/api/v1/tenants/acme/renders", HTTP_ORIGIN=origin,
            HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST", HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
        )

    assert preflight(SHOWROOM)["Access-Control-Allow-Origin"] == SHOWROOM
    assert "Access-Control-Allow-Origin" not in preflight("https://evil.example")


def test_a_tenant_requiring_keys_gates_its_real_api(client, acme, acme_key, globex_key):
    Tenant.objects.filter(pk=acme.pk).update(require_api_key=True)
    api_key, raw_key = acme_key
    _, globex_raw = globex_key
    assert client.get(CONFIG.format("acme")).status_code == 401
    assert client.get(CONFIG.format("acme"), HTTP_AUTHORIZATION=f"Bearer {raw_key}").status_code == 200
    assert client.get(CONFIG.format("acme"), HTTP_AUTHORIZATION=f"Bearer {globex_raw}").status_code == 403
    render = client.post(
        "/api/v1/tenants/acme/renders", {"scene": "kitchen"}, content_type="application/json"
    )
    assert render.status_code == 401
    api_key_revoke(api_key=api_key)
    assert client.get(CONFIG.format("acme"), HTTP_X_API_KEY=raw_key).status_code == 401


def test_a_key_of_another_tenant_is_refused_on_an_open_tenant(client, acme, globex_key):
    _, globex_raw = globex_key
    assert client.get(CONFIG.format("acme"), HTTP_X_API_KEY=globex_raw).status_code == 403


def test_an_oversized_render_body_is_a_413_before_the_view(client, acme):
    body = b'{"scene": "' + b"k" * (10 * 1024 * 1024) + b'"}'
    response = client.post("/api/v1/tenants/acme/renders", body, content_type="application/json")
    assert response.status_code == 413


def test_the_health_check_carries_the_security_headers_and_a_request_id(client):
    response = client.get("/api/v1/health", secure=True, HTTP_X_REQUEST_ID="probe-0123456789")
    assert response.status_code in (200, 503)
    assert response["X-Request-ID"] == "probe-0123456789"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Content-Security-Policy" in response


def test_the_schema_documents_the_optional_key(client):
    response = client.get("/api/schema/?format=json")
    schema = response.json()
    assert schema["components"]["securitySchemes"]["tenantApiKey"]["scheme"] == "bearer"
    config = schema["paths"]["/api/v1/tenants/{tenant}/config"]["get"]
    assert {} in config["security"]
