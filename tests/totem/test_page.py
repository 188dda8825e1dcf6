import json
import re

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def boot_data(response):
    match = re.search(rb'<script id="totem-boot" type="application/json">(.*?)</script>', response.content, re.S)
    assert match, "the page embeds its settings as JSON"
    return json.loads(match.group(1))


def test_it_serves_the_totem_of_an_active_tenant(client, owner_tenant):
    response = client.get("/t/acme/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    boot = boot_data(response)
    assert boot["tenant"] == "acme"
    assert boot["configUrl"] == "/api/v1/tenants/acme/config"
    assert boot["rendersUrl"] == "/api/v1/tenants/acme/renders"


def test_it_embeds_language_idle_seconds_colour_and_logo(client, db):
    tenant = factories.make_tenant(
        "casa", language="pt-br", idle_reset_seconds=45, primary_color="#aa3300",
        logo=factories.content(factories.image_bytes((120, 44)), "logo.png"),
    )

    response = client.get("/t/casa/")

    boot = boot_data(response)
    assert (boot["language"], boot["idleResetSeconds"], boot["primaryColor"]) == ("pt-br", 45, "#aa3300")
    assert boot["logoUrl"] == tenant.logo.url
    assert b'<html lang="pt-br">' in response.content
    assert tenant.logo.url.encode() in response.content


def test_it_embeds_the_published_catalog_and_preloads_the_first_layers_thumbnails(client, scene):
    response = client.get("/t/acme/")

    config = boot_data(response)["config"]
    assert [s["slug"] for s in config["scenes"]] == ["kitchen"]
    first_layer = config["scenes"][0]["layers"][0]
    assert [o["code"] for o in first_layer["options"]] == ["0", "1"]
    preloads = re.findall(r'<link rel="preload" href="([^"]+)" as="image">', response.content.decode())
    assert preloads == [option["thumbnail"] for option in first_layer["options"]]
    assert all(url.startswith("http://testserver/media/") for url in preloads)


def test_it_shows_no_other_tenants_scenes(client, scene, other_scene):
    config = boot_data(client.get("/t/rival/"))["config"]

    assert [s["slug"] for s in config["scenes"]] == ["bath"]


def test_it_has_no_logo_url_when_the_tenant_has_none(client, owner_tenant):
    assert boot_data(client.get("/t/acme/"))["logoUrl"] == ""


def test_it_answers_404_for_an_unknown_tenant(client, db):
    assert client.get("/t/nobody/").status_code == 404


def test_it_answers_404_for_an_inactive_tenant(client, db):
    factories.make_tenant("closed", is_active=False)

    assert client.get("/t/closed/").status_code == 404


def test_it_refuses_to_write(client, owner_tenant):
    assert client.post("/t/acme/").status_code == 405


def test_it_loads_marzipano_from_the_npm_package_not_a_cdn(client, owner_tenant):
    html = client.get("/t/acme/").content.decode()

    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert "/static/vendor/marzipano/marzipano.js" in scripts
    assert all(src.startswith("/static/") for src in scripts)
    assert not re.search(r"<script(?![^>]*(src=|application/json))", html), "no inline script (CSP)"
