import pytest

pytestmark = [pytest.mark.urls("tests.production.urls"), pytest.mark.django_db]


def test_an_api_body_over_the_limit_is_refused_with_413(client, acme, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = client.post(
        "/api/v1/tenants/acme/config", data=b"x" * 1025, content_type="application/json"
    )
    assert response.status_code == 413
    assert "at most 1024" in response.json()["detail"]


def test_an_api_body_at_the_limit_reaches_the_view(client, acme, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = b'{"a": "' + b"x" * 1015 + b'"}'
    assert len(body) == 1024
    response = client.post("/api/v1/tenants/acme/config", data=body, content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {"received": 1024}


def test_the_default_limit_is_ten_megabytes():
    from django.conf import settings

    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 10 * 1024 * 1024


def test_a_malformed_content_length_is_a_400(client):
    response = client.generic("POST", "/api/v1/health", b"{}", CONTENT_LENGTH="12abc")
    assert response.status_code == 400


def test_admin_uploads_have_their_own_larger_ceiling(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    settings.PANOCONFIG_ADMIN_MAX_BODY_MB = 1
    small_enough = client.generic("POST", "/admin/login/", b"", CONTENT_LENGTH=str(512 * 1024))
    assert small_enough.status_code != 413
    too_big = client.generic("POST", "/admin/login/", b"", CONTENT_LENGTH=str(1024 * 1024 + 1))
    assert too_big.status_code == 413
