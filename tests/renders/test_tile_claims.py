"""Concurrent jobs of one scene render each shared tile once (the storm of `make load`
found two jobs writing the same tiles): a tile another live run claimed is awaited in the
index, and taken over only once that run's claim lapses."""

import time

import pytest

from renders import rendering, tileclaims
from renders.models import JobStatus, RenderJob, Tile
from renders.tilestore import tile_save
from tests.renders.conftest import render_url

# Committed rows: the run's heartbeat thread reads the job through its own connection.
pytestmark = pytest.mark.django_db(transaction=True)

JPEG = b"\xff\xd8\xff\xe0 stored by the other run"


@pytest.fixture
def job(client, owner_tenant, big_scene):
    client.post(render_url(owner_tenant), {"scene": big_scene.slug, "selection": {"layer-1": "2"}},
                content_type="application/json")
    job = RenderJob.objects.get()
    from renders.preparation import scene_prepare

    keys = scene_prepare(scene=big_scene).tile_keys(job.selection, quality=85)
    job.all_keys = sorted(keys.values())
    tileclaims.release(job.all_keys)  # the cache outlives a test (no flush: with Redis it holds the broker)
    yield job
    tileclaims.release(job.all_keys)


def test_tiles_another_live_run_claimed_are_awaited_not_rendered(job, big_scene, monkeypatch):
    theirs = set(job.all_keys[:12])
    assert tileclaims.claim(theirs, "the-other-run") == theirs

    waits = []

    def other_run_stores_its_tiles(seconds):
        # While this run waits, the other one stores and indexes what it claimed.
        waits.append(seconds)
        for key in theirs:
            tile_save(key, JPEG)
            Tile.objects.get_or_create(key=key, defaults={"scene": big_scene, "level": 0, "size": len(JPEG)})

    monkeypatch.setattr(rendering.time, "sleep", other_run_stores_its_tiles)
    rendering.job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.READY
    assert waits, "the run never waited for the claimed tiles"
    assert job.tiles_rendered == job.tiles_total - len(theirs) == 30 - 12
    assert Tile.objects.count() == 30


def test_a_dead_runs_claims_lapse_and_its_tiles_are_taken_over(job, settings):
    settings.PANOCONFIG_RENDER_STALE_SECONDS = 1
    dead = set(job.all_keys[:5])
    assert tileclaims.claim(dead, "a-run-that-died") == dead
    assert tileclaims.claim(dead, "someone-else") == set()

    started = time.monotonic()
    rendering.job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.READY
    assert job.tiles_rendered == job.tiles_total == 30
    assert time.monotonic() - started >= 0.9  # waited for the claims to lapse
    assert tileclaims.claim(dead, "someone-else") == dead  # released at the end of the run


def test_a_tile_stored_and_released_between_the_index_check_and_the_claim_is_not_rendered_again(
    job, big_scene, monkeypatch
):
    # The other run indexes its tiles, then releases their claims, right after this run
    # found them missing: winning the claim then must not mean rendering them again.
    finished_meanwhile = set(job.all_keys[:7])
    real_claim = tileclaims.claim

    def claim_after_the_other_run_finished(keys, token):
        for key in finished_meanwhile:
            tile_save(key, JPEG)
            Tile.objects.get_or_create(key=key, defaults={"scene": big_scene, "level": 0, "size": len(JPEG)})
        return real_claim(keys, token)

    monkeypatch.setattr(tileclaims, "claim", claim_after_the_other_run_finished)
    rendering.job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.READY
    assert job.tiles_rendered == 30 - len(finished_meanwhile)
    assert job.tiles_done == job.tiles_total == 30
