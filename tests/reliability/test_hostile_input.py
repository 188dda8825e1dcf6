"""Probing the API and the admin: traversal and injection strings in every slug and share
code (400/404, never a 500, nothing leaked), HTML in names (escaped wherever shown), and
a second tenant's API key and staff against the first tenant's data."""

import json

import pytest
from django.urls import reverse

from renders.combinations import combinations_all
from tenants.api_keys import api_key_create
from tests import factories

pytestmark = pytest.mark.django_db

HOSTILE = [
    "../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "..\\..\\windows\\win.ini",
    "acme/../rival", "' OR '1'='1", "acme'--", "acme;DROP TABLE renders_renderjob", "<script>alert(1)</script>",
    "acme%00", "%00", "${jndi:ldap://x/a}", "{{7*7}}", "{% debug %}", "ａｃｍｅ", "a" * 300, "%", "%zz", "-", "_",
    "1.a.00000", "1..00000", ".", "..", "zzzzzzzzzzzzz.1.abcde", "9223372036854775807.1.abcde",
]
HTML_NAME = '<img src=x onerror="alert(1)">'


@pytest.fixture
def build(scene):
    return next(iter(combinations_all(scene=scene))).build


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    settings.PANOCONFIG_RATE_PER_IP = "100000/m"
    settings.PANOCONFIG_RATE_PER_TENANT = "100000/m"


def assert_refused(response, label):
    assert response.status_code in (400, 404), (label, response.status_code, response.content[:200])
    body = response.content.decode(errors="replace")
    assert "root:" not in body and "Traceback" not in body and "[extensions]" not in body, label
    assert "{{7*7}}" not in label or "49" not in body, label  # no template evaluation


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_tenant_slugs_and_share_codes_are_400_or_404(client, scene, build, value):
    paths = [
        f"/api/v1/tenants/{value}/config",
        f"/api/v1/tenants/{value}/renders/{build}",
        f"/api/v1/tenants/{value}/renders/{build}/still",
        f"/api/v1/tenants/{value}/renders/{build}/qr.svg",
        f"/api/v1/tenants/acme/renders/{value}",
        f"/api/v1/tenants/acme/renders/{value}/still",
        f"/api/v1/tenants/acme/renders/{value}/qr.svg",
        f"/api/v1/tenants/acme/renders/{build}{value}",
        f"/tiles/{value}",
        f"/tiles/t/{value}.jpg",
    ]
    for path in paths:
        assert_refused(client.get(path), path)
    for path in (f"/api/v1/tenants/{value}/renders", f"/api/v1/tenants/acme/renders/{value}/still"):
        assert_refused(client.post(path, {"scene": "kitchen"}, content_type="application/json"), path)


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_scene_layer_and_option_names_in_the_body_are_400(client, scene, value):
    url = "/api/v1/tenants/acme/renders"
    bodies = [
        {"scene": value},
        {"scene": "kitchen", "selection": {value: "1"}},
        {"scene": "kitchen", "selection": {"layer-0": value}},
        {"scene": ["kitchen"], "selection": value},
    ]
    for body in bodies:
        response = client.post(url, json.dumps(body), content_type="application/json")
        assert response.status_code == 400, (body, response.content[:200])


def test_html_in_names_is_escaped_in_the_admin_and_sent_as_json_data_by_the_api(client, owner, owner_tenant):
    scene = factories.make_scene(owner_tenant, slug="evil", layers=1)
    scene.name = HTML_NAME
    scene.save(update_fields=["name"])
    layer = scene.layers.get()
    layer.name = HTML_NAME
    layer.save(update_fields=["name"])
    material = layer.options.first().material
    material.name = HTML_NAME
    material.save(update_fields=["name"])
    client.force_login(owner)

    pages = [
        reverse("admin:catalog_scene_changelist"), reverse("admin:catalog_scene_change", args=[scene.pk]),
        reverse("admin:catalog_layer_changelist"), reverse("admin:catalog_layer_change", args=[layer.pk]),
        reverse("admin:catalog_material_changelist"), reverse("admin:catalog_material_change", args=[material.pk]),
    ]
    for page in pages:
        html = client.get(page).content.decode()
        assert HTML_NAME not in html, page
        assert "&lt;img src=x onerror=" in html, page

    response = client.get("/api/v1/tenants/acme/config")
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    config = response.json()["scenes"][0]
    assert config["name"] == HTML_NAME  # data, for the totem to set as text (textContent)
    assert config["layers"][0]["name"] == HTML_NAME


def test_html_in_the_tenant_name_is_escaped_on_the_totem_page(client, owner_tenant):
    pytest.importorskip("totem", reason="the totem page comes with the frontend branch")
    owner_tenant.name = HTML_NAME
    owner_tenant.save(update_fields=["name"])
    html = client.get("/t/acme/").content.decode()
    assert HTML_NAME not in html
    assert "&lt;img src=x onerror=" in html
    for value in HOSTILE:
        response = client.get("/t/acme/", {"scene": value, "build": value})
        assert response.status_code in (200, 400, 404), value
        assert "<script>alert(1)" not in response.content.decode(), value
    for value in HOSTILE:
        assert client.get(f"/t/{value}/").status_code in (301, 400, 404), value


@pytest.fixture
def locked(owner_tenant, other_tenant, scene, other_scene, build):
    """The owner requires kiosk keys; the other tenant has a key of its own."""
    owner_tenant.require_api_key = True
    owner_tenant.save(update_fields=["require_api_key"])
    _, own_key = api_key_create(tenant=owner_tenant, name="owner kiosk")
    _, other_key = api_key_create(tenant=other_tenant, name="rival kiosk")
    return {"own": own_key, "other": other_key, "build": build}


def test_another_tenants_api_key_opens_nothing_of_this_tenant(client, locked):
    build = locked["build"]
    gets = ["config", f"renders/{build}", f"renders/{build}/still", f"renders/{build}/qr.svg"]
    posts = [("renders", {"scene": "kitchen"}), (f"renders/{build}/still", None)]
    for key, expected in ((locked["other"], {403}), (None, {401}), ("pk_forged-key", {401})):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
        for path in gets:
            response = client.get(f"/api/v1/tenants/acme/{path}", **headers)
            assert response.status_code in expected, (key, path, response.status_code)
            assert b"kitchen" not in response.content
        for path, body in posts:
            response = client.post(f"/api/v1/tenants/acme/{path}", body, content_type="application/json", **headers)
            assert response.status_code in expected, (key, path, response.status_code)
    own = {"HTTP_AUTHORIZATION": f"Bearer {locked['own']}"}
    assert client.get("/api/v1/tenants/acme/config", **own).status_code == 200


def test_a_share_code_of_one_tenant_is_a_404_under_another(client, locked):
    other = {"HTTP_AUTHORIZATION": f"Bearer {locked['other']}"}
    build = locked["build"]
    for path in (f"renders/{build}", f"renders/{build}/qr.svg", f"renders/{build}/still"):
        assert client.get(f"/api/v1/tenants/rival/{path}", **other).status_code == 404, path


def test_another_tenants_staff_cannot_reach_this_tenants_objects(client, other_member, scene):
    layer = scene.layers.first()
    option = layer.options.first()
    client.force_login(other_member)
    for name, pk in (("scene", scene.pk), ("layer", layer.pk), ("layeroption", option.pk),
                     ("material", option.material_id)):
        for action in ("change", "delete", "history"):
            response = client.get(reverse(f"admin:catalog_{name}_{action}", args=[pk]))
            assert response.status_code in (302, 404), (name, action, response.status_code)
            assert scene.name.encode() not in response.content or response.status_code == 302
    changelist = client.get(reverse("admin:renders_renderjob_changelist"))
    assert changelist.status_code == 200 and b"Kitchen" not in changelist.content
