"""Fixtures every test module may use: an owner tenant with its staff, another
tenant with its member, a staff user with no tenant, a superuser, small scenes,
and media stored under the test's own temporary folder."""

import pytest

from tests import factories


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Each test stores uploads in its own folder, so file counts are the test's own."""
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": "/media/"},
        },
    }
    return root


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def owner_tenant(db):
    return factories.make_tenant("acme", name="Acme Kitchens")


@pytest.fixture
def other_tenant(db):
    return factories.make_tenant("rival", name="Rival Stone")


@pytest.fixture
def owner(owner_tenant):
    """A staff member of the owner tenant."""
    return factories.make_user("owner", tenant=owner_tenant)


@pytest.fixture
def other_member(other_tenant):
    """A staff member of another tenant."""
    return factories.make_user("other", tenant=other_tenant)


@pytest.fixture
def outsider(db):
    """A staff user with the tenant staff permissions but no tenant."""
    from tenants.services import tenant_staff_group_sync

    user = factories.make_user("outsider")
    user.groups.add(tenant_staff_group_sync())
    return user


@pytest.fixture
def superuser(db):
    return factories.make_user("root", is_superuser=True)


@pytest.fixture
def scene(owner_tenant):
    """The owner's published 2048×1024 scene: 2 layers, 2 options each (the first keeps the base)."""
    return factories.make_scene(owner_tenant)


@pytest.fixture
def other_scene(other_tenant):
    return factories.make_scene(other_tenant, slug="bath", layers=1)
