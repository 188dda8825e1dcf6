import pytest

from tenants.models import Tenant
from tests.production.conftest import OTHER_SHOWROOM, SHOWROOM

pytestmark = [pytest.mark.urls("tests.production.urls"), pytest.mark.django_db]

ALLOW_ORIGIN = "Access-Control-Allow-Origin"


def test_the_tenant_api_answers_cors_for_the_tenants_own_origin(client, acme):
    response = client.get("/api/v1/tenants/acme/config", HTTP_ORIGIN=SHOWROOM)
    assert response.status_code == 200
    assert response[ALLOW_ORIGIN] == SHOWROOM
    assert "X-Request-ID" in response["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in response


def test_the_tenant_api_refuses_cors_for_a_foreign_origin(client, acme):
    response = client.get("/api/v1/tenants/acme/config", HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 200  # the browser, not the server, withholds the body
    assert ALLOW_ORIGIN not in response


def test_another_tenants_origin_is_foreign_to_this_tenants_api(client, acme, globex):
    response = client.get("/api/v1/tenants/acme/config", HTTP_ORIGIN=OTHER_SHOWROOM)
    assert ALLOW_ORIGIN not in response
    response = client.get("/api/v1/tenants/globex/config", HTTP_ORIGIN=OTHER_SHOWROOM)
    assert response[ALLOW_ORIGIN] == OTHER_SHOWROOM


def test_a_preflight_from_the_tenants_origin_allows_the_post_and_its_headers(client, acme):
    response = client.options(
        "/api/v1/tenants/acme/renders",
        HTTP_ORIGIN=SHOWROOM,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type, authorization",
    )
    assert response.status_code == 200
    assert response[ALLOW_ORIGIN] == SHOWROOM
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert "authorization" in response["Access-Control-Allow-Headers"]
    assert "x-api-key" in response["Access-Control-Allow-Headers"]


def test_a_preflight_from_a_foreign_origin_gets_no_cors_headers(client, acme):
    response = client.options(
        "/api/v1/tenants/acme/renders",
        HTTP_ORIGIN="https://evil.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )
    assert ALLOW_ORIGIN not in response
    assert "Access-Control-Allow-Methods" not in response


def test_an_inactive_tenants_origin_is_refused(client, acme):
    Tenant.objects.filter(pk=acme.pk).update(is_active=False)
    response = client.get("/api/v1/tenants/acme/config", HTTP_ORIGIN=SHOWROOM)
    assert ALLOW_ORIGIN not in response


def test_tiles_allow_get_from_any_active_tenants_origin_and_nobody_else(client, acme, globex):
    for origin in (SHOWROOM, OTHER_SHOWROOM):
        response = client.get("/tiles/ab/cd.jpg", HTTP_ORIGIN=origin)
        assert response[ALLOW_ORIGIN] == origin
    assert ALLOW_ORIGIN not in client.get("/tiles/ab/cd.jpg", HTTP_ORIGIN="https://evil.example")
    assert ALLOW_ORIGIN not in client.post("/tiles/ab/cd.jpg", HTTP_ORIGIN=SHOWROOM)


def test_paths_outside_the_api_and_tiles_never_answer_cors(client, acme):
    response = client.get("/admin/login/", HTTP_ORIGIN=SHOWROOM)
    assert ALLOW_ORIGIN not in response
    response = client.get("/api/v1/health", HTTP_ORIGIN=SHOWROOM)
    assert ALLOW_ORIGIN not in response
