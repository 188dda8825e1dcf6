"""Tenant isolation in the admin: an owner, a member of another tenant, an outsider
and a superuser, for every catalog and tenant model the back office shows."""

import pytest
from django.urls import reverse

from catalog.models import Layer, LayerOption, Material, Scene
from tenants.models import AllowedOrigin, Membership, Tenant

OBJECTS = {
    ("catalog", "material"): lambda scene: scene.layers.first().options.first().material,
    ("catalog", "scene"): lambda scene: scene,
    ("catalog", "layer"): lambda scene: scene.layers.first(),
    ("catalog", "layeroption"): lambda scene: scene.layers.first().options.first(),
    ("tenants", "tenant"): lambda scene: scene.tenant,
    ("tenants", "membership"): lambda scene: Membership.objects.filter(tenant=scene.tenant).first(),
}
MODEL_KEYS = list(OBJECTS)
ids = [model for _, model in MODEL_KEYS]


@pytest.fixture
def objects(scene, other_scene, owner, other_member):
    return scene, other_scene


def url(key, action, *args):
    app, model = key
    return reverse(f"admin:{app}_{model}_{action}", args=args)


def listed_pks(response):
    return {obj.pk for obj in response.context["cl"].result_list}


@pytest.mark.parametrize("key", MODEL_KEYS, ids=ids)
def test_it_lists_only_the_users_tenant(client, owner, objects, key):
    scene, other_scene = objects
    client.force_login(owner)
    response = client.get(url(key, "changelist"))
    assert response.status_code == 200
    pks = listed_pks(response)
    assert OBJECTS[key](scene).pk in pks
    assert OBJECTS[key](other_scene).pk not in pks


@pytest.mark.parametrize("key", MODEL_KEYS, ids=ids)
def test_a_member_of_another_tenant_sees_only_theirs(client, other_member, objects, key):
    scene, other_scene = objects
    client.force_login(other_member)
    pks = listed_pks(client.get(url(key, "changelist")))
    assert OBJECTS[key](other_scene).pk in pks
    assert OBJECTS[key](scene).pk not in pks


@pytest.mark.parametrize("key", MODEL_KEYS, ids=ids)
def test_staff_without_a_tenant_see_nothing(client, outsider, objects, key):
    scene, _ = objects
    client.force_login(outsider)
    assert client.get(url(key, "changelist")).status_code == 403
    assert client.get(url(key, "change", OBJECTS[key](scene).pk)).status_code in (403, 404)
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert index.context["app_list"] == []


@pytest.mark.parametrize("key", MODEL_KEYS, ids=ids)
def test_a_superuser_sees_every_tenant(client, superuser, objects, key):
    scene, other_scene = objects
    client.force_login(superuser)
    pks = listed_pks(client.get(url(key, "changelist")))
    assert {OBJECTS[key](scene).pk, OBJECTS[key](other_scene).pk} <= pks


@pytest.mark.parametrize("key", MODEL_KEYS, ids=ids)
@pytest.mark.parametrize("action", ["change", "delete", "history"])
def test_guessing_another_tenants_id_is_a_404(client, owner, objects, key, action):
    scene, other_scene = objects
    client.force_login(owner)
    if action == "delete" and key[0] == "tenants":
        # Tenant staff may not delete tenants or memberships at all: the same 403 for every id.
        assert client.get(url(key, action, OBJECTS[key](scene).pk)).status_code == 403
        assert client.get(url(key, action, OBJECTS[key](other_scene).pk)).status_code == 403
        return
    assert client.get(url(key, action, OBJECTS[key](scene).pk)).status_code == 200
    assert client.get(url(key, action, OBJECTS[key](other_scene).pk)).status_code == 404


@pytest.mark.parametrize("key", [k for k in MODEL_KEYS if k[1] != "membership"], ids=ids[:-1])
def test_posting_a_delete_of_another_tenants_object_deletes_nothing(client, owner, objects, key):
    _, other_scene = objects
    foreign = OBJECTS[key](other_scene)
    client.force_login(owner)
    response = client.post(url(key, "delete", foreign.pk), {"post": "yes"})
    assert response.status_code == (403 if key[0] == "tenants" else 404)
    assert type(foreign).objects.filter(pk=foreign.pk).exists()


@pytest.mark.parametrize("key", MODEL_KEYS[:4], ids=ids[:4])
def test_the_bulk_delete_action_ignores_foreign_ids(client, owner, objects, key):
    _, other_scene = objects
    foreign = OBJECTS[key](other_scene)
    client.force_login(owner)
    client.post(url(key, "changelist"), {"action": "delete_selected", "_selected_action": [foreign.pk], "post": "yes"})
    assert type(foreign).objects.filter(pk=foreign.pk).exists()


def test_the_owner_deletes_their_own_option(client, owner, scene):
    option = scene.layers.first().options.last()
    client.force_login(owner)
    response = client.post(url(("catalog", "layeroption"), "delete", option.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not LayerOption.objects.filter(pk=option.pk).exists()


@pytest.mark.parametrize(
    "model,field,target",
    [
        ("material", "tenant", lambda s: s.tenant),
        ("scene", "tenant", lambda s: s.tenant),
        ("layer", "scene", lambda s: s),
        ("layeroption", "layer", lambda s: s.layers.first()),
        ("layeroption", "material", lambda s: s.layers.first().options.first().material),
    ],
)
def test_autocomplete_offers_only_the_users_tenant(client, owner, objects, model, field, target):
    scene, other_scene = objects
    client.force_login(owner)
    response = client.get(
        reverse("admin:autocomplete"), {"app_label": "catalog", "model_name": model, "field_name": field, "term": ""}
    )
    assert response.status_code == 200
    offered = {int(result["id"]) for result in response.json()["results"]}
    assert target(scene).pk in offered
    assert target(other_scene).pk not in offered


def test_autocomplete_answers_nothing_to_staff_without_a_tenant(client, outsider, objects):
    client.force_login(outsider)
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "catalog", "model_name": "layer", "field_name": "scene", "term": ""},
    )
    assert response.status_code == 403


@pytest.mark.parametrize("key", MODEL_KEYS[:4], ids=ids[:4])
def test_raw_id_popups_list_only_the_users_tenant(client, owner, objects, key):
    scene, other_scene = objects
    client.force_login(owner)
    response = client.get(url(key, "changelist"), {"_to_field": "id", "_popup": "1"})
    assert response.status_code == 200
    pks = listed_pks(response)
    assert OBJECTS[key](scene).pk in pks and OBJECTS[key](other_scene).pk not in pks


def test_the_changelist_filter_on_another_tenant_shows_nothing(client, owner, objects):
    _, other_scene = objects
    client.force_login(owner)
    response = client.get(url(("catalog", "scene"), "changelist"), {"tenant__id__exact": other_scene.tenant_id})
    assert other_scene.pk not in listed_pks(response)
    assert b"Rival Stone" not in response.content


def test_foreign_key_choices_leave_out_other_tenants(client, owner, objects):
    scene, other_scene = objects
    client.force_login(owner)
    form = client.get(url(("catalog", "layer"), "add")).context["adminform"].form
    assert list(form.fields["scene"].queryset) == [scene]
    form = client.get(url(("catalog", "scene"), "add")).context["adminform"].form
    assert list(form.fields["tenant"].queryset) == [scene.tenant]


def test_adding_a_material_to_another_tenant_is_refused(client, owner, objects):
    _, other_scene = objects
    client.force_login(owner)
    response = client.post(url(("catalog", "material"), "add"), {"tenant": other_scene.tenant_id, "slug": "x", "name": "X"})
    assert response.status_code == 200
    assert "tenant" in response.context["adminform"].form.errors
    assert not Material.objects.filter(slug="x").exists()


def test_adding_a_layer_to_another_tenants_scene_is_refused(client, owner, objects):
    from tests.factories import mask_bytes, upload

    _, other_scene = objects
    client.force_login(owner)
    response = client.post(
        url(("catalog", "layer"), "add"),
        {
            "scene": other_scene.pk, "slug": "sneaky", "name": "Sneaky", "build_order": 9,
            "mask_image": upload(mask_bytes()),
            "options-TOTAL_FORMS": 0, "options-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in str(response.context["adminform"].form.errors["scene"])
    assert not Layer.objects.filter(slug="sneaky").exists()


def test_adding_an_option_with_another_tenants_layer_or_material_is_refused(client, owner, objects):
    scene, other_scene = objects
    client.force_login(owner)
    own_layer = scene.layers.first()
    foreign_material = other_scene.layers.first().options.first().material
    response = client.post(
        url(("catalog", "layeroption"), "add"),
        {"layer": own_layer.pk, "material": foreign_material.pk, "position": 5, "code": ""},
    )
    assert "material" in response.context["adminform"].form.errors
    foreign_layer = other_scene.layers.first()
    own_material = scene.layers.first().options.first().material
    response = client.post(
        url(("catalog", "layeroption"), "add"),
        {"layer": foreign_layer.pk, "material": own_material.pk, "position": 5, "code": ""},
    )
    assert "layer" in response.context["adminform"].form.errors
    assert LayerOption.objects.count() == 6


def test_adding_a_scene_for_another_tenant_is_refused(client, owner, objects):
    from tests.factories import image_bytes, upload

    _, other_scene = objects
    client.force_login(owner)
    response = client.post(
        url(("catalog", "scene"), "add"),
        {
            "tenant": other_scene.tenant_id, "name": "Sneaky", "slug": "sneaky", "position": 0,
            "projection": "equirect", "base_image": upload(image_bytes()),
            "default_yaw": 0, "default_pitch": 0, "default_fov": 90,
            "layers-TOTAL_FORMS": 0, "layers-INITIAL_FORMS": 0,
        },
    )
    assert "tenant" in response.context["adminform"].form.errors
    assert not Scene.objects.filter(slug="sneaky").exists()


def test_tenant_staff_cannot_add_or_delete_tenants_nor_change_their_slug(client, owner, owner_tenant):
    client.force_login(owner)
    assert client.get(url(("tenants", "tenant"), "add")).status_code == 403
    assert client.get(url(("tenants", "tenant"), "delete", owner_tenant.pk)).status_code == 403
    response = client.get(url(("tenants", "tenant"), "change", owner_tenant.pk))
    assert {"slug", "is_active"} <= set(response.context["adminform"].readonly_fields)


def test_tenant_staff_edit_their_own_tenants_origins(client, owner, owner_tenant, other_tenant):
    client.force_login(owner)
    origin = owner_tenant.allowed_origins.get()
    foreign_origin = other_tenant.allowed_origins.get()
    response = client.post(
        url(("tenants", "tenant"), "change", owner_tenant.pk),
        {
            "name": "Acme Renamed", "primary_color": "#123456", "idle_reset_seconds": 60, "language": "en",
            "allowed_origins-TOTAL_FORMS": 1, "allowed_origins-INITIAL_FORMS": 1,
            "allowed_origins-0-id": foreign_origin.pk, "allowed_origins-0-tenant": owner_tenant.pk,
            "allowed_origins-0-origin": "https://stolen.example.com",
            "memberships-TOTAL_FORMS": 0, "memberships-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code in (200, 302)
    foreign_origin.refresh_from_db()
    assert foreign_origin.origin == "https://rival.example.com" and foreign_origin.tenant == other_tenant
    assert not AllowedOrigin.objects.filter(origin="https://stolen.example.com").exists()
    response = client.post(
        url(("tenants", "tenant"), "change", owner_tenant.pk),
        {
            "name": "Acme Renamed", "primary_color": "#123456", "idle_reset_seconds": 60, "language": "en",
            "allowed_origins-TOTAL_FORMS": 1, "allowed_origins-INITIAL_FORMS": 1,
            "allowed_origins-0-id": origin.pk, "allowed_origins-0-tenant": owner_tenant.pk,
            "allowed_origins-0-origin": "https://kiosk.acme.example.com",
            "memberships-TOTAL_FORMS": 0, "memberships-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302
    owner_tenant.refresh_from_db()
    assert owner_tenant.name == "Acme Renamed" and owner_tenant.slug == "acme"
    assert owner_tenant.origins == ["https://kiosk.acme.example.com"]


def test_tenant_staff_only_view_memberships(client, owner, owner_tenant):
    client.force_login(owner)
    membership = Membership.objects.get(user=owner)
    assert client.get(url(("tenants", "membership"), "add")).status_code == 403
    response = client.post(url(("tenants", "membership"), "delete", membership.pk), {"post": "yes"})
    assert response.status_code == 403
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_a_superuser_adding_a_membership_makes_the_user_tenant_staff(client, superuser, other_tenant):
    from tests.factories import make_user

    newcomer = make_user("newcomer", is_staff=False)
    client.force_login(superuser)
    response = client.post(url(("tenants", "membership"), "add"), {"user": newcomer.pk, "tenant": other_tenant.pk})
    assert response.status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.is_staff and newcomer.groups.filter(name="Tenant staff").exists()
    assert Tenant.objects.for_user(newcomer).get() == other_tenant


def test_names_in_thumbnails_and_lists_are_escaped(client, owner, scene):
    material = scene.layers.first().options.first().material
    material.name = '<script>alert("x")</script>'
    material.save()
    client.force_login(owner)
    response = client.get(url(("catalog", "material"), "changelist"))
    assert b'<script>alert("x")</script>' not in response.content
    assert b"&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in response.content


def test_lists_and_inlines_show_thumbnails(client, owner, scene):
    client.force_login(owner)
    layer = scene.layers.first()
    response = client.get(url(("catalog", "layer"), "change", layer.pk))
    option_thumbnails = [o.thumbnail_file.url for o in layer.options.all()]
    assert all(f'src="{src}"'.encode() in response.content for src in option_thumbnails)
    response = client.get(url(("catalog", "scene"), "change", scene.pk))
    assert all(f'src="{lay.mask_image.url}"'.encode() in response.content for lay in scene.layers.all())
    response = client.get(url(("catalog", "scene"), "changelist"))
    assert f'src="{scene.base_image.url}"'.encode() in response.content


def test_search_finds_by_name_within_the_tenant(client, owner, scene, other_scene):
    client.force_login(owner)
    response = client.get(url(("catalog", "layer"), "changelist"), {"q": "Layer 0"})
    assert listed_pks(response) == {scene.layers.get(slug="layer-0").pk}


def test_a_single_tenants_staff_get_their_tenant_preselected(client, owner, owner_tenant):
    client.force_login(owner)
    form = client.get(url(("catalog", "material"), "add")).context["adminform"].form
    assert form.initial["tenant"] == owner_tenant.pk


@pytest.mark.parametrize("key", MODEL_KEYS, ids=ids)
def test_a_superuser_opens_any_tenants_pages(client, superuser, objects, key):
    _, other_scene = objects
    client.force_login(superuser)
    assert client.get(url(key, "change", OBJECTS[key](other_scene).pk)).status_code == 200
    assert client.get(url(key, "add")).status_code == 200
