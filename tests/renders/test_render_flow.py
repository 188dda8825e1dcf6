"""POST → 202 → worker → ready; cached combinations answer 200 without a job."""

import io

import pytest
from PIL import Image

from renders import rendering
from renders.models import JobStatus, RenderJob, Tile
from tests.renders.conftest import render_url, run_queued_jobs

pytestmark = pytest.mark.django_db


def post(client, tenant, scene, selection=None):
    body = {"scene": scene.slug, "selection": selection or {}}
    return client.post(render_url(tenant), body, content_type="application/json")


def test_it_queues_a_new_combination_then_answers_ready(client, owner_tenant, scene):
    response = post(client, owner_tenant, scene)
    assert response.status_code == 202
    data = response.json()
    assert data["status"] == "queued"
    assert data["scene"] == "kitchen"
    assert data["progress"] == {"tiles_done": 0, "tiles_total": 0, "levels_ready": 0}
    assert data["status_url"] == f"/api/v1/tenants/acme/renders/{data['build']}"
    assert RenderJob.objects.count() == 1

    assert run_queued_jobs() == 1
    ready = client.get(data["status_url"])
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready"
    assert body["build"] == data["build"]
    assert body["viewer"]["levels"] == [{"tileSize": 512, "size": 512}]
    assert sorted(body["viewer"]["tiles"]) == sorted(f"{face}/0/0/0" for face in "fblrud")
    assert body["progress"] == {"tiles_done": 6, "tiles_total": 6, "levels_ready": 1}


def test_a_cached_combination_answers_200_without_creating_a_job(client, owner_tenant, scene):
    post(client, owner_tenant, scene)
    run_queued_jobs()
    tiles_before = Tile.objects.count()
    RenderJob.objects.all().delete()  # the tiles stay: another combination could have made them

    response = post(client, owner_tenant, scene)
    assert response.status_code == 200
    assert response.json()["status"] == "ready"
    assert len(response.json()["viewer"]["tiles"]) == 6
    assert RenderJob.objects.count() == 0
    assert Tile.objects.count() == tiles_before


def test_a_ready_job_answers_200_and_counts_the_request(client, owner_tenant, scene):
    from django.core.cache import cache

    from renders.services import _hits_key, job_requests

    post(client, owner_tenant, scene)
    run_queued_jobs()
    job = RenderJob.objects.get()
    cache.delete(_hits_key(job.pk))  # ids repeat between tests; the cache outlives them
    for _ in range(3):
        assert post(client, owner_tenant, scene).status_code == 200
    job.refresh_from_db()
    assert job.request_count == 1  # ready hits are counted in the cache, not the row
    assert job_requests(job=job) == 4


def test_layers_left_out_take_their_default_option(client, owner_tenant, scene):
    layer = scene.layers.get(slug="layer-1")
    second = layer.options.order_by("position")[1]
    layer.default_option = second
    layer.save()
    data = post(client, owner_tenant, scene, {"layer-0": "1"}).json()
    assert data["selection"] == {"layer-0": "1", "layer-1": second.code}
    explicit = post(client, owner_tenant, scene, {"layer-0": "1", "layer-1": second.code}).json()
    assert explicit["build"] == data["build"]
    assert RenderJob.objects.count() == 1


def test_tile_urls_serve_real_jpegs_with_the_immutable_header(client, owner_tenant, big_scene):
    post(client, owner_tenant, big_scene)
    run_queued_jobs()
    data = post(client, owner_tenant, big_scene).json()
    assert len(data["viewer"]["tiles"]) == 30
    for path, url in data["viewer"]["tiles"].items():
        assert url.startswith("http://testserver/tiles/t/")
        response = client.get(url.removeprefix("http://testserver"))
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["Cache-Control"] == "public, max-age=31536000, immutable"
        image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
        assert image.format == "JPEG" and image.size == (512, 512)


@pytest.mark.parametrize("name", ["t/../../settings.py", "t/%2e%2e/x.jpg", "t/ABC.jpg", "x/" + "a" * 40 + ".jpg",
                                  "t/" + "a" * 40 + ".png", "t/" + "0" * 40 + ".jpg"])
def test_the_tile_view_serves_only_stored_well_formed_names(client, name):
    assert client.get(f"/tiles/{name}").status_code == 404


def test_levels_become_ready_lowest_first_and_only_once_stored(client, owner_tenant, big_scene, tiles_root,
                                                               monkeypatch):
    job_data = post(client, owner_tenant, big_scene).json()
    snapshots = []
    original = rendering._owned

    def watching(job, token, **fields):
        original(job, token, **fields)
        if "levels_ready" in fields:
            current = RenderJob.objects.get(pk=job.pk)
            stored = {name.name for name in (tiles_root / "t").glob("*.jpg")} if (tiles_root / "t").exists() else set()
            snapshots.append((current.levels_ready, current.status, current.tile_keys, stored))

    monkeypatch.setattr(rendering, "_owned", watching)
    run_queued_jobs()
    levels = [snapshot[0] for snapshot in snapshots]
    assert levels == sorted(levels) and levels[-1] == 2 and 1 in levels
    for levels_ready, status, tile_keys, stored in snapshots:
        below = [key for path, key in tile_keys.items() if int(path.split("/")[1]) < levels_ready]
        assert all(f"{key}.jpg" in stored for key in below)
        if status == JobStatus.READY:
            assert all(f"{key}.jpg" in stored for key in tile_keys.values())
    # While level 1 was still missing, the answer listed level 0's tiles only.
    partial = [s for s in snapshots if s[0] == 1 and s[1] == JobStatus.RENDERING]
    assert partial
    assert RenderJob.objects.get().status == JobStatus.READY
    assert client.get(job_data["status_url"]).json()["progress"]["levels_ready"] == 2


def test_a_one_layer_change_renders_only_the_tiles_that_layer_touches(client, owner_tenant, big_scene):
    first = post(client, owner_tenant, big_scene).json()
    run_queued_jobs()
    second = post(client, owner_tenant, big_scene, {"layer-1": "2"}).json()
    assert second["build"] != first["build"]
    run_queued_jobs()
    one, two = (RenderJob.objects.get(build=data["build"]) for data in (first, second))
    changed = {path for path in one.tile_keys if one.tile_keys[path] != two.tile_keys[path]}
    assert 0 < len(changed) < two.tiles_total
    assert two.tiles_rendered == len(changed)
    assert one.tiles_rendered == one.tiles_total == 30
    assert Tile.objects.count() == 30 + len(changed)
    # The changed tiles are those the mask covers: yaw −135°..−90°, from the horizon down to 45° below.
    assert {path.split("/")[0] for path in changed} <= {"l", "b", "d"}


def test_the_status_of_an_unrendered_shared_build_queues_it(client, owner_tenant, scene):
    from renders.combinations import combination_from_selection

    build = combination_from_selection(scene=scene, selection={"layer-0": "1"}).build
    response = client.get(f"/api/v1/tenants/acme/renders/{build}")
    assert response.status_code == 202
    assert RenderJob.objects.get().build == build


def test_local_tiles_are_renamed_into_place_never_left_half_written(tiles_root):
    from renders import tilestore

    key = "ab" * 20
    assert tilestore.tile_save(key, b"\xff\xd8first") == 7
    assert tilestore.tile_save(key, b"\xff\xd8same-name-again") == 17  # overwritten in place, same name
    assert (tiles_root / "t" / f"{key}.jpg").read_bytes() == b"\xff\xd8same-name-again"
    assert [p.name for p in (tiles_root / "t").iterdir()] == [f"{key}.jpg"]  # no temporary left
