import hashlib

import pytest
from django.utils import timezone

from tenants.api_keys import api_key_find_active, api_key_revoke
from tenants.models import Tenant, TenantApiKey

pytestmark = [pytest.mark.urls("tests.production.urls"), pytest.mark.django_db]

CONFIG = "/api/v1/tenants/{}/config"


def require_keys(tenant):
    Tenant.objects.filter(pk=tenant.pk).update(require_api_key=True)


def test_only_the_digest_of_a_key_is_stored(acme_key):
    api_key, raw_key = acme_key
    row = TenantApiKey.objects.get(pk=api_key.pk)
    assert raw_key.startswith(f"pcfg_{row.prefix}_")
    assert row.key_digest == hashlib.sha256(raw_key.encode()).hexdigest()
    stored = [str(value) for value in TenantApiKey.objects.values_list().get(pk=api_key.pk)]
    assert raw_key not in stored
    assert raw_key.split("_")[-1] not in "".join(stored)


def test_a_tenant_without_required_keys_serves_anonymous_totems(client, acme):
    assert client.get(CONFIG.format("acme")).status_code == 200


def test_a_tenant_requiring_keys_refuses_a_request_without_one(client, acme):
    require_keys(acme)
    response = client.get(CONFIG.format("acme"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_tenant_requiring_keys_accepts_its_key_as_bearer_or_x_api_key(client, acme, acme_key):
    require_keys(acme)
    _, raw_key = acme_key
    assert client.get(CONFIG.format("acme"), HTTP_AUTHORIZATION=f"Bearer {raw_key}").status_code == 200
    assert client.get(CONFIG.format("acme"), HTTP_X_API_KEY=raw_key).status_code == 200


def test_a_revoked_key_is_refused(client, acme, acme_key):
    require_keys(acme)
    api_key, raw_key = acme_key
    api_key_revoke(api_key=api_key)
    response = client.get(CONFIG.format("acme"), HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or revoked API key."}


def test_a_wrong_or_malformed_key_is_refused(client, acme, acme_key):
    _, raw_key = acme_key
    tampered = raw_key[:-1] + ("A" if raw_key[-1] != "A" else "B")
    for header in (tampered, "pcfg_nope", "' OR 1=1 --"):
        assert client.get(CONFIG.format("acme"), HTTP_X_API_KEY=header).status_code == 401


def test_another_tenants_key_never_opens_this_tenants_api(client, acme, globex, globex_key):
    _, globex_raw = globex_key
    # Refused whether or not acme requires keys: a key speaks for its own tenant only.
    response = client.get(CONFIG.format("acme"), HTTP_AUTHORIZATION=f"Bearer {globex_raw}")
    assert response.status_code == 403
    require_keys(acme)
    assert client.get(CONFIG.format("acme"), HTTP_AUTHORIZATION=f"Bearer {globex_raw}").status_code == 403
    assert client.get(CONFIG.format("globex"), HTTP_AUTHORIZATION=f"Bearer {globex_raw}").status_code == 200


def test_a_key_of_an_inactive_tenant_is_refused(acme, acme_key):
    _, raw_key = acme_key
    Tenant.objects.filter(pk=acme.pk).update(is_active=False)
    assert api_key_find_active(raw_key=raw_key) is None


def test_using_a_key_records_when_it_was_last_used(acme_key):
    api_key, raw_key = acme_key
    assert api_key.last_used_at is None
    before = timezone.now()
    assert api_key_find_active(raw_key=raw_key).pk == api_key.pk
    api_key.refresh_from_db()
    assert api_key.last_used_at >= before


def test_endpoints_outside_a_tenant_ignore_the_tenant_rule(client, acme):
    require_keys(acme)
    assert client.get("/api/v1/health").status_code == 200
