import pytest

from tenants.api_keys import api_key_create
from tenants.models import AllowedOrigin, Tenant

SHOWROOM = "https://showroom.acme.example"
OTHER_SHOWROOM = "https://kiosk.globex.example"


@pytest.fixture
def acme(db):
    tenant = Tenant.objects.create(slug="acme", name="Acme Kitchens")
    AllowedOrigin.objects.create(tenant=tenant, origin=SHOWROOM)
    return tenant


@pytest.fixture
def globex(db):
    tenant = Tenant.objects.create(slug="globex", name="Globex Floors")
    AllowedOrigin.objects.create(tenant=tenant, origin=OTHER_SHOWROOM)
    return tenant


@pytest.fixture
def acme_key(acme):
    return api_key_create(tenant=acme, name="Entrance totem")


@pytest.fixture
def globex_key(globex):
    return api_key_create(tenant=globex, name="Globex totem")
