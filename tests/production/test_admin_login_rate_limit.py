import pytest
from django.contrib.auth.models import User
from django.core.cache import cache

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_counters(settings):
    settings.ADMIN_LOGIN_RATE = "3/m"
    cache.clear()
    yield
    cache.clear()


def login(client, username, password="wrong-password", **extra):
    return client.post("/admin/login/", {"username": username, "password": password}, **extra)


def test_repeated_failed_logins_get_429_with_retry_after(client):
    User.objects.create_superuser("boss", password="correct-horse-battery")
    statuses = [login(client, "boss").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = login(client, "boss", password="correct-horse-battery")
    assert response.status_code == 429  # even the right password waits out the window
    assert response["Retry-After"] == "60"


def test_rotating_usernames_from_one_address_is_still_limited(client):
    statuses = [login(client, f"user{i}").status_code for i in range(4)]
    assert statuses[-1] == 429


def test_one_username_tried_from_many_addresses_is_limited(client):
    statuses = [login(client, "boss", REMOTE_ADDR=f"10.0.0.{i}").status_code for i in range(4)]
    assert statuses[-1] == 429


def test_the_client_address_comes_from_the_trusted_proxy_hop(client, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    # A forged left-most entry changes nothing: the proxy-appended address is counted.
    statuses = [
        login(client, f"user{i}", HTTP_X_FORWARDED_FOR=f"1.2.3.{i}, 203.0.113.7").status_code
        for i in range(4)
    ]
    assert statuses[-1] == 429
    assert login(client, "other", HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 200


def test_a_successful_login_within_the_limit_works(client):
    User.objects.create_superuser("boss", password="correct-horse-battery")
    response = login(client, "boss", password="correct-horse-battery")
    assert response.status_code == 302


@pytest.mark.urls("tests.production.urls_without_admin")
def test_posts_still_work_under_a_urlconf_without_the_admin(client):
    response = client.post("/echo", {"username": "x"})
    assert response.status_code == 200
