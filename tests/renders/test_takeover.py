"""Ownership of a job: one run at a time, takeover of silent runs, retries, failures."""

from datetime import timedelta

import pytest
from django.utils import timezone

from renders import rendering, tilestore
from renders.combinations import combination_from_selection
from renders.models import JobStatus, RenderJob, Tile
from renders.services import render_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(scene):
    render_request(combination=combination_from_selection(scene=scene, selection={}))
    return RenderJob.objects.get()


def test_a_job_with_a_live_owner_cannot_be_claimed_twice(job):
    assert rendering.job_claim(job_id=job.pk, token="a" * 32) is not None
    assert rendering.job_claim(job_id=job.pk, token="b" * 32) is None
    job.refresh_from_db()
    assert job.claim == "a" * 32 and job.attempts == 1


def test_a_silent_owner_is_taken_over_and_its_later_writes_are_refused(job, settings, client, owner_tenant):
    rendering.job_claim(job_id=job.pk, token="old")
    RenderJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=5))
    # Asking for the build again queues the job anew...
    response = client.get(f"/api/v1/tenants/acme/renders/{job.build}")
    assert response.status_code == 202 and response.json()["status"] == "queued"
    # ...a new run takes it and finishes it...
    assert rendering.job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.READY and job.attempts == 2
    # ...and the old run, waking up, cannot write anything any more.
    with pytest.raises(rendering.LostClaim):
        rendering._owned(job, "old", levels_ready=0)


def test_a_queued_job_is_sent_again_only_when_it_waited_far_too_long(job, settings):
    from renders.services import job_revive

    settings.PANOCONFIG_RENDER_STALE_SECONDS = 10
    RenderJob.objects.filter(pk=job.pk).update(queued_at=timezone.now() - timedelta(seconds=50))
    assert not job_revive(job=job)
    RenderJob.objects.filter(pk=job.pk).update(queued_at=timezone.now() - timedelta(seconds=150))
    assert job_revive(job=job)


def test_a_storage_error_gives_the_job_back_for_a_retry(job, monkeypatch):
    def broken(key, data):
        raise ConnectionError("storage unreachable")

    monkeypatch.setattr(tilestore, "tile_save", broken)
    with pytest.raises(ConnectionError):
        rendering.job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and job.claim == "" and "storage" in job.error
    assert Tile.objects.count() == 0
    monkeypatch.undo()
    rendering.job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.READY and Tile.objects.count() == 6


def test_the_task_retries_storage_errors_then_marks_the_job_failed(job, monkeypatch, settings):
    from renders.tasks import render_job_task

    def broken(key, data):
        raise OSError("disk full")

    monkeypatch.setattr(tilestore, "tile_save", broken)
    monkeypatch.setattr(render_job_task, "max_retries", 1)
    monkeypatch.setattr(render_job_task, "retry_backoff", False)
    settings.CELERY_TASK_EAGER_PROPAGATES = False
    result = render_job_task.apply(args=[job.pk])
    assert result.failed()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "disk full" in job.error and job.attempts == 2


def test_a_failed_job_is_tried_again_on_a_later_post_not_on_a_get(job, client, owner_tenant, settings):
    settings.PANOCONFIG_RENDER_RETRY_FAILED_SECONDS = 30
    RenderJob.objects.filter(pk=job.pk).update(
        status=JobStatus.FAILED, error="boom", finished_at=timezone.now() - timedelta(seconds=60)
    )
    failed = client.get(f"/api/v1/tenants/acme/renders/{job.build}")
    assert failed.status_code == 200 and failed.json()["status"] == "failed"
    assert "boom" not in failed.content.decode()  # internal reasons stay in the admin
    again = client.post("/api/v1/tenants/acme/renders", {"scene": "kitchen"}, content_type="application/json")
    assert again.status_code == 202 and again.json()["status"] == "queued"


def test_running_a_ready_job_again_does_nothing(job):
    rendering.job_run(job_id=job.pk)
    assert rendering.job_run(job_id=job.pk) is None
    job.refresh_from_db()
    assert job.attempts == 1
