"""Scene preparation: queued when images change, done on demand, failures recorded with the reason."""

import shutil

import pytest

from catalog import services as catalog_services
from catalog.models import PreparationStatus
from renders import preparation, rendering
from renders.combinations import combination_from_selection, scene_inputs_digest
from renders.models import JobStatus, RenderJob
from renders.services import render_request
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)
def test_changing_a_scene_image_queues_its_preparation(owner_tenant, monkeypatch):
    from renders import tasks

    queued = []
    monkeypatch.setattr(tasks.prepare_scene_task, "delay", lambda scene_id: queued.append(scene_id))
    scene = factories.make_scene(owner_tenant, layers=1)
    assert set(queued) == {scene.pk}
    queued.clear()
    catalog_services.scene_update(scene=scene, base_image=factories.content(factories.image_bytes(color=(1, 2, 3))))
    assert queued == [scene.pk]
    scene.refresh_from_db()
    assert scene.preparation_status == PreparationStatus.PENDING


def test_the_preparation_task_prepares_into_a_folder_named_by_the_inputs(scene, settings):
    from renders.tasks import prepare_scene_task

    prepare_scene_task.apply(args=[scene.pk])
    scene.refresh_from_db()
    digest = scene_inputs_digest(scene)
    assert scene.preparation_status == PreparationStatus.READY
    assert scene.prepared_inputs == digest and scene.prepared_at is not None
    assert (settings.PANOCONFIG_PREPARED_DIR / str(scene.pk) / digest).is_dir()


def test_a_machine_without_the_prepared_folder_prepares_on_demand(scene, settings):
    preparation.scene_prepare(scene=scene)
    shutil.rmtree(settings.PANOCONFIG_PREPARED_DIR)
    preparation._loaded.clear()
    render_request(combination=combination_from_selection(scene=scene, selection={}))
    rendering.job_run(job_id=RenderJob.objects.get().pk)
    assert RenderJob.objects.get().status == JobStatus.READY
    assert (settings.PANOCONFIG_PREPARED_DIR / str(scene.pk) / scene_inputs_digest(scene)).is_dir()


def test_new_inputs_replace_the_old_prepared_folder(scene, settings):
    preparation.scene_prepare(scene=scene)
    old = scene_inputs_digest(scene)
    catalog_services.scene_update(scene=scene, base_image=factories.content(factories.image_bytes(color=(9, 9, 9))))
    scene.refresh_from_db()
    preparation.scene_prepare(scene=scene)
    folders = [p.name for p in (settings.PANOCONFIG_PREPARED_DIR / str(scene.pk)).iterdir() if p.is_dir()]
    assert folders == [scene_inputs_digest(scene)] and old not in folders


def test_an_unusable_image_fails_the_scene_with_the_reason_and_the_job(scene, owner_tenant, client):
    from renders.engine import EngineInputError

    layer = scene.layers.first()
    path = layer.mask_image.path
    with open(path, "wb") as handle:
        handle.write(b"not an image at all")
    render_request(combination=combination_from_selection(scene=scene, selection={}))
    job = RenderJob.objects.get()
    rendering.job_run(job_id=job.pk)
    job.refresh_from_db()
    scene.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error
    assert scene.preparation_status == PreparationStatus.FAILED
    assert scene.preparation_error  # names the file the engine could not read
    with pytest.raises(EngineInputError):
        preparation.scene_prepare(scene=scene)
    # A failed scene is not offered to totems any more.
    assert client.get("/api/v1/tenants/acme/config").json()["scenes"] == []


def test_a_still_is_rendered_and_served(client, owner_tenant, scene):
    build = combination_from_selection(scene=scene, selection={"layer-0": "1"}).build
    url = f"/api/v1/tenants/acme/renders/{build}/still"
    assert client.get(url).status_code == 404
    queued = client.post(url)
    assert queued.status_code == 202 and queued.json()["url"] is None
    job = RenderJob.objects.get(kind="still")
    rendering.job_run(job_id=job.pk)
    ready = client.get(url)
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    image = client.get(ready.json()["url"].removeprefix("http://testserver"))
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    from PIL import Image
    import io

    assert Image.open(io.BytesIO(b"".join(image.streaming_content))).size == (1920, 1080)
    assert client.post(url).status_code == 200
    assert RenderJob.objects.filter(kind="still").count() == 1


def test_the_worker_refuses_a_stored_image_whose_bytes_changed_since_upload(scene):
    from renders.engine import EngineInputError

    layer = scene.layers.first()
    with open(layer.mask_image.path, "r+b") as handle:
        handle.seek(-20, 2)
        handle.write(b"\x00" * 20)  # same size, other bytes: not what the admin validated
    with pytest.raises(EngineInputError, match="changed since it was uploaded"):
        preparation.scene_prepare(scene=scene)
    scene.refresh_from_db()
    assert scene.preparation_status == PreparationStatus.FAILED
    assert scene.preparation_error.startswith("Mask of layer 'layer-0' (")
    assert "changed since it was uploaded" in scene.preparation_error


def test_the_worker_checks_the_upload_rules_again_before_decoding(scene, settings):
    from renders.engine import EngineInputError

    settings.PANOCONFIG_MAX_IMAGE_PIXELS = scene.width * scene.height - 1  # the limit was lowered since
    with pytest.raises(EngineInputError, match="million pixels"):
        preparation.scene_prepare(scene=scene)
    scene.refresh_from_db()
    assert scene.preparation_status == PreparationStatus.FAILED
    assert f"{scene.width}×{scene.height}" in scene.preparation_error


def test_a_finished_render_logs_its_stage_timings(scene, caplog):
    render_request(combination=combination_from_selection(scene=scene, selection={}))
    job = RenderJob.objects.get()
    with caplog.at_level("INFO", logger="renders.rendering"):
        rendering.job_run(job_id=job.pk)
    [record] = [r for r in caplog.records if getattr(r, "timings", None)]
    job.refresh_from_db()
    assert record.job == job.pk and record.tiles_rendered == job.tiles_rendered == job.tiles_total > 0
    assert {"prepare_s", "render_s", "total_s", "first_level_s"} <= set(record.timings)
