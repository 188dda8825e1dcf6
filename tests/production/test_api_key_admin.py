import re

import pytest
from django.contrib.auth.models import Permission, User

from tenants.models import Membership, TenantApiKey

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme_staff(acme):
    user = User.objects.create_user("acme-staff", password="x-very-long-pass-1", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__endswith="tenantapikey"))
    Membership.objects.create(user=user, tenant=acme)
    return user


def test_creating_a_key_in_the_admin_shows_it_once_and_stores_its_digest(client, acme_staff, acme):
    client.force_login(acme_staff)
    response = client.post(
        "/admin/tenants/tenantapikey/add/", {"tenant": acme.pk, "name": "Entrance"}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw_key = re.search(r'<code id="raw-api-key">([^<]+)</code>', response.content.decode())[1]
    api_key = TenantApiKey.objects.get(tenant=acme, name="Entrance")
    assert raw_key.startswith(f"pcfg_{api_key.prefix}_")
    change_page = client.get(f"/admin/tenants/tenantapikey/{api_key.pk}/change/")
    assert change_page.status_code == 200
    assert raw_key not in change_page.content.decode()


def test_staff_revoke_their_keys_from_the_list(client, acme_staff, acme_key):
    api_key, _ = acme_key
    client.force_login(acme_staff)
    response = client.post(
        "/admin/tenants/tenantapikey/",
        {"action": "revoke_selected", "_selected_action": [api_key.pk]},
    )
    assert response.status_code == 302
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None


def test_staff_neither_see_nor_create_another_tenants_keys(client, acme_staff, globex, globex_key):
    client.force_login(acme_staff)
    api_key, _ = globex_key
    assert client.get(f"/admin/tenants/tenantapikey/{api_key.pk}/change/").status_code == 302
    listing = client.get("/admin/tenants/tenantapikey/").content.decode()
    assert "Globex totem" not in listing
    response = client.post("/admin/tenants/tenantapikey/add/", {"tenant": globex.pk, "name": "Sneaky"})
    assert response.status_code == 200
    assert not TenantApiKey.objects.filter(name="Sneaky").exists()
