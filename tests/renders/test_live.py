"""Against a live server and real worker processes: races, broker, crash recovery."""

from http.client import HTTPConnection
import json
import threading
import urllib.error
import urllib.request

import pytest
from django.conf import settings

from renders.models import JobStatus, RenderJob, Tile
from tests.renders.photo import make_photo_scene
from tests.renders.workers import Worker, purge_broker, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def http(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def post_render(live_server, selection=None):
    status, _, body = http("POST", f"{live_server.url}/api/v1/tenants/acme/renders",
                           {"scene": "showroom", "selection": selection or {}})
    return status, json.loads(body)


def check_every_tile_is_served(live_server, data):
    assert len(data["viewer"]["tiles"]) == data["progress"]["tiles_total"] == 30
    for url in data["viewer"]["tiles"].values():
        status, headers, body = http("GET", url)
        assert status == 200 and headers["Content-Type"] == "image/jpeg"
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert body[:3] == b"\xff\xd8\xff"


@pytest.fixture
def photo_scene(owner_tenant):
    purge_broker()
    return make_photo_scene(owner_tenant)


def test_thirty_concurrent_identical_posts_create_exactly_one_job(live_server, scene):
    # Connections are opened one by one first (the test server's listen queue is short),
    # then all thirty requests are sent at the same instant.
    host, port = live_server.url.removeprefix("http://").split(":")
    connections = []
    for _ in range(30):
        connection = HTTPConnection(host, int(port), timeout=60)
        connection.connect()
        connections.append(connection)
    barrier = threading.Barrier(30)
    answers = []
    body = json.dumps({"scene": "kitchen", "selection": {"layer-1": "1"}})

    def ask(connection):
        barrier.wait()
        connection.request("POST", "/api/v1/tenants/acme/renders", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        answers.append((response.status, None, response.read()))
        connection.close()

    threads = [threading.Thread(target=ask, args=(connection,)) for connection in connections]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(status for status, _, _ in answers) == [202] * 30
    assert len({json.loads(body)["build"] for _, _, body in answers}) == 1
    assert RenderJob.objects.count() == 1
    assert RenderJob.objects.get().request_count == 30


def test_a_worker_process_renders_what_a_post_queued(live_server, photo_scene, tmp_path):
    worker = Worker(tmp_path=tmp_path, name="one")
    try:
        status, data = post_render(live_server)
        assert status == 202
        ready = wait_for(lambda: _ready(live_server, data["status_url"]), timeout=90, what="ready")
        check_every_tile_is_served(live_server, ready)
        photo_scene.refresh_from_db()
        assert photo_scene.preparation_status == "ready"
        # The same combination again: 200 at once, from the stored tiles.
        again_status, again = post_render(live_server)
        assert again_status == 200 and again["viewer"]["tiles"] == ready["viewer"]["tiles"]
    finally:
        worker.stop()
    assert "render_job_task" in worker.output()


@pytest.mark.skipif(not settings.REDIS_URL, reason="REDIS_URL is unset: the suite runs on the embedded broker")
def test_a_worker_on_redis_completes_a_render(live_server, photo_scene, tmp_path):
    from panoconfig.celery import app

    assert app.connection_for_write().transport_cls in ("redis", "rediss")
    worker = Worker(tmp_path=tmp_path, name="redis")
    try:
        status, data = post_render(live_server, {"layer-2": "2"})
        assert status == 202
        ready = wait_for(lambda: _ready(live_server, data["status_url"]), timeout=90, what="ready")
        check_every_tile_is_served(live_server, ready)
    finally:
        worker.stop()


def test_a_render_survives_a_worker_killed_mid_render(live_server, photo_scene, tmp_path, settings):
    settings.PANOCONFIG_RENDER_STALE_SECONDS = 2
    slow = Worker(tmp_path=tmp_path, name="slow", env={"TEST_TILE_SAVE_DELAY": "0.25", "PANOCONFIG_UPLOAD_THREADS": "2"})
    try:
        status, data = post_render(live_server)
        assert status == 202
        job = wait_for(
            lambda: RenderJob.objects.filter(status=JobStatus.RENDERING, levels_ready=1).first(),
            timeout=90, interval=0.02, what="level 0 stored",
        )
        slow.kill()
    finally:
        slow.stop()
    job.refresh_from_db()
    assert job.status == JobStatus.RENDERING and job.levels_ready == 1
    assert job.tiles_done < job.tiles_total == 30
    assert Tile.objects.count() < 30
    assert http("GET", f"{live_server.url}{data['status_url']}")[0] == 202  # still in progress, not ready

    wait_for(lambda: RenderJob.objects.stale(seconds=2).exists(), timeout=10, what="the job to go stale")
    fresh = Worker(tmp_path=tmp_path, name="fresh")
    try:
        ready = wait_for(lambda: _ready(live_server, data["status_url"]), timeout=90, interval=0.5, what="ready")
    finally:
        fresh.stop()
    check_every_tile_is_served(live_server, ready)
    job.refresh_from_db()
    assert job.status == JobStatus.READY and job.attempts == 2
    assert Tile.objects.filter(key__in=job.tile_keys.values()).count() == 30


def _ready(live_server, status_url):
    status, _, body = http("GET", f"{live_server.url}{status_url}")
    data = json.loads(body)
    assert data["status"] != "failed", data
    return data if status == 200 and data["status"] == "ready" else None
