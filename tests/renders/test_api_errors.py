"""Bad input is a 400 with field messages, unknown things a 404, floods a 429; never a 500."""

import pytest

from renders import sharecodes
from renders.combinations import combination_from_selection
from renders.models import RenderJob
from tenants.api_keys import api_key_create
from tests.renders.conftest import render_url, run_queued_jobs

pytestmark = pytest.mark.django_db


def post_json(client, url, body):
    return client.post(url, body, content_type="application/json")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"scene": "nope"}, "scene"),
        ({"selection": {}}, "scene"),
        ({"scene": "../etc"}, "scene"),
        ({"scene": "kitchen", "selection": {"ghost": "0"}}, "selection"),
        ({"scene": "kitchen", "selection": {"layer-0": "zz"}}, "selection"),
        ({"scene": "kitchen", "selection": {"layer-0": 7}}, "selection"),
        ({"scene": "kitchen", "selection": {"layer-0": "a b"}}, "selection"),
        ({"scene": "kitchen", "selection": ["layer-0"]}, "selection"),
        ({"scene": "kitchen", "selection": {f"l{i}": "0" for i in range(65)}}, "selection"),
        ({"scene": ["kitchen"]}, "scene"),
    ],
)
def test_it_rejects_a_bad_body_with_field_messages(client, owner_tenant, scene, body, field):
    response = post_json(client, render_url(owner_tenant), body)
    assert response.status_code == 400
    assert field in response.json()
    assert RenderJob.objects.count() == 0


def test_it_names_the_unknown_layer_and_option(client, owner_tenant, scene):
    response = post_json(
        client, render_url(owner_tenant), {"scene": "kitchen", "selection": {"ghost": "0", "layer-1": "zz"}}
    )
    assert response.json() == {"selection": {"ghost": "Unknown layer 'ghost'.", "layer-1": "Unknown option 'zz'."}}


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"kitchen"', b"null", b""])
def test_it_rejects_malformed_json(client, owner_tenant, scene, raw):
    response = client.post(render_url(owner_tenant), raw, content_type="application/json")
    assert response.status_code == 400


def test_it_rejects_other_media_types_and_huge_bodies(client, owner_tenant, scene):
    assert client.post(render_url(owner_tenant), {"scene": "kitchen"}).status_code == 415
    huge = b'{"scene": "kitchen", "pad": "' + b"x" * 20000 + b'"}'
    assert client.post(render_url(owner_tenant), huge, content_type="application/json").status_code == 400


def test_an_unpublished_scene_is_unknown(client, owner_tenant, scene):
    scene.is_published = False
    scene.save(update_fields=["is_published"])
    response = post_json(client, render_url(owner_tenant), {"scene": "kitchen"})
    assert response.status_code == 400 and "scene" in response.json()


def _urls(tenant_slug, build):
    return [
        ("get", f"/api/v1/tenants/{tenant_slug}/config"),
        ("post", f"/api/v1/tenants/{tenant_slug}/renders"),
        ("get", f"/api/v1/tenants/{tenant_slug}/renders/{build}"),
        ("post", f"/api/v1/tenants/{tenant_slug}/renders/{build}/still"),
        ("get", f"/api/v1/tenants/{tenant_slug}/renders/{build}/qr.svg"),
    ]


@pytest.mark.parametrize("slug", ["ghost", "inactive"])
def test_every_endpoint_answers_404_for_an_unknown_or_inactive_tenant(client, scene, slug):
    from tests import factories

    factories.make_tenant("inactive", is_active=False)
    build = combination_from_selection(scene=scene, selection={}).build
    for method, url in _urls(slug, build):
        response = getattr(client, method)(url, {"scene": "kitchen"}, content_type="application/json")
        assert response.status_code == 404, url


def test_builds_of_another_tenant_are_404_on_every_build_endpoint(client, owner_tenant, scene, other_scene):
    foreign = combination_from_selection(scene=other_scene, selection={}).build
    for method, url in _urls(owner_tenant.slug, foreign)[2:]:
        assert getattr(client, method)(url).status_code == 404, url
    # ...and the other tenant's scene slug is unknown here.
    response = post_json(client, render_url(owner_tenant), {"scene": "bath"})
    assert response.status_code == 400
    assert RenderJob.objects.count() == 0


def test_config_lists_only_the_tenants_own_scenes(client, owner_tenant, scene, other_scene):
    data = client.get("/api/v1/tenants/acme/config").json()
    assert [s["slug"] for s in data["scenes"]] == ["kitchen"]
    other = client.get("/api/v1/tenants/rival/config").json()
    assert [s["slug"] for s in other["scenes"]] == ["bath"]


@pytest.mark.parametrize(
    "mangle",
    [
        lambda b: b[:-1] + ("0" if b[-1] != "0" else "1"),  # checksum changed
        lambda b: b.replace(".", ".x", 1),  # an extra layer code
        lambda b: "zz" + b,  # another scene id
        lambda b: b.split(".")[0] + ".00.aaaaa",  # forged checksum
        lambda b: b + "x",  # malformed
    ],
)
def test_forged_or_broken_builds_are_404(client, owner_tenant, scene, mangle):
    build = combination_from_selection(scene=scene, selection={}).build
    for method, url in _urls("acme", mangle(build))[2:]:
        assert getattr(client, method)(url).status_code == 404, url


def test_a_build_of_another_scene_of_the_same_tenant_does_not_decode(owner_tenant, scene):
    from tests import factories

    second = factories.make_scene(owner_tenant, slug="bath")
    build = combination_from_selection(scene=scene, selection={}).build
    forged = sharecodes.to_base36(second.pk) + build[build.index("."):]
    with pytest.raises(sharecodes.ShareCodeError):
        sharecodes.decode(forged, scene_id=second.pk, layer_count=2)


def test_render_posts_are_rate_limited_per_client_ip(client, owner_tenant, scene, settings):
    settings.PANOCONFIG_RATE_PER_IP = "3/m"
    statuses = [post_json(client, render_url(owner_tenant), {"scene": "kitchen"}).status_code for _ in range(4)]
    assert statuses == [202, 202, 202, 429]
    limited = post_json(client, render_url(owner_tenant), {"scene": "kitchen"})
    assert 1 <= int(limited["Retry-After"]) <= 60
    # Another address is not limited by this one's use.
    other = client.post(render_url(owner_tenant), {"scene": "kitchen"}, content_type="application/json",
                        REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 202


def test_render_and_still_posts_are_rate_limited_per_tenant(client, owner_tenant, other_tenant, scene, other_scene,
                                                            settings):
    settings.PANOCONFIG_RATE_PER_TENANT = "2/h"
    build = combination_from_selection(scene=scene, selection={}).build
    first = client.post(render_url(owner_tenant), {"scene": "kitchen"}, content_type="application/json",
                        REMOTE_ADDR="10.0.0.1")
    second = client.post(f"/api/v1/tenants/acme/renders/{build}/still", REMOTE_ADDR="10.0.0.2")
    third = client.post(render_url(owner_tenant), {"scene": "kitchen"}, content_type="application/json",
                        REMOTE_ADDR="10.0.0.3")
    assert (first.status_code, second.status_code, third.status_code) == (202, 202, 429)
    assert 1 <= int(third["Retry-After"]) <= 3600
    # The other tenant has its own budget.
    rival = client.post(render_url(other_tenant), {"scene": "bath"}, content_type="application/json",
                        REMOTE_ADDR="10.0.0.3")
    assert rival.status_code == 202


def test_ready_answers_spend_the_client_budget_but_not_the_tenants(client, owner_tenant, scene, settings):
    """The tenant's budget guards render capacity: a showroom full of totems re-asking ready
    combinations must not lock the tenant out, while one client flooding is still stopped."""
    settings.PANOCONFIG_RATE_PER_TENANT = "3/h"
    assert post_json(client, render_url(owner_tenant), {"scene": "kitchen"}).status_code == 202
    run_queued_jobs()
    # Spent so far: 1. The first ready answer comes from the job row (2), the next four from the cache.
    statuses = [
        client.post(render_url(owner_tenant), {"scene": "kitchen"}, content_type="application/json",
                    REMOTE_ADDR=f"10.0.1.{number}").status_code
        for number in range(5)
    ]
    assert statuses == [200] * 5
    # A combination that needs a job still spends the tenant's budget (3, then over).
    other = {"scene": "kitchen", "selection": {"layer-0": scene.layers.get(slug="layer-0").options.last().code}}
    assert post_json(client, render_url(owner_tenant), other).status_code == 202
    assert post_json(client, render_url(owner_tenant), {**other, "selection": {"layer-1": "1"}}).status_code == 429

    settings.PANOCONFIG_RATE_PER_IP = "3/m"
    from_one_client = [
        client.post(render_url(owner_tenant), {"scene": "kitchen"}, content_type="application/json",
                    REMOTE_ADDR="10.0.2.1").status_code
        for _ in range(4)
    ]
    assert from_one_client == [200, 200, 200, 429]


def test_each_kiosk_key_has_its_own_client_budget_behind_one_address(client, owner_tenant, scene, settings):
    settings.PANOCONFIG_RATE_PER_IP = "2/m"
    _, entrance = api_key_create(tenant=owner_tenant, name="Entrance")
    _, kitchen = api_key_create(tenant=owner_tenant, name="Kitchen corner")

    def post(**headers):
        return client.post(render_url(owner_tenant), {"scene": "kitchen"}, content_type="application/json",
                           REMOTE_ADDR="203.0.113.7", **headers).status_code

    assert [post(HTTP_X_API_KEY=entrance) for _ in range(3)] == [202, 202, 429]
    # The same showroom address: the other kiosk and anonymous clients still have their budgets.
    assert [post(HTTP_AUTHORIZATION=f"Bearer {kitchen}") for _ in range(3)] == [202, 202, 429]
    assert [post() for _ in range(3)] == [202, 202, 429]


def test_reads_are_rate_limited_per_client_but_health_never(client, owner_tenant, scene, settings):
    settings.PANOCONFIG_READ_RATE_PER_IP = "2/m"
    build = combination_from_selection(scene=scene, selection={}).build
    paths = [f"/api/v1/tenants/{owner_tenant.slug}/config", f"/api/v1/tenants/{owner_tenant.slug}/renders/{build}",
             f"/api/v1/tenants/{owner_tenant.slug}/renders/{build}/qr.svg", "/api/v1/tenants/nobody/config"]
    statuses = [client.get(path, REMOTE_ADDR="198.51.100.4").status_code for path in paths]
    assert statuses[:2] == [200, 202] and statuses[2:] == [429, 429]
    limited = client.get(paths[0], REMOTE_ADDR="198.51.100.4")
    assert limited.status_code == 429 and 1 <= int(limited["Retry-After"]) <= 60
    assert client.get(paths[0], REMOTE_ADDR="198.51.100.5").status_code == 200  # another client
    assert [client.get("/api/v1/health").status_code for _ in range(4)] == [200] * 4
