"""Render-service fixtures: tiles and prepared data in the test's folders, jobs run in-process."""

import pytest

from renders import rendering
from renders.models import JobStatus, RenderJob
from tests import factories

BIG_SIZE = (4096, 2048)  # cube faces of 1024: two levels (512, 1024), 30 tiles


@pytest.fixture(autouse=True)
def tiles_root(settings, media_root, tmp_path):
    """Tiles under the test's media folder, served at /tiles/; prepared data beside it."""
    root = media_root / "tiles"
    settings.STORAGES = {
        **settings.STORAGES,
        "tiles": {
            "BACKEND": "renders.tilestore.TileFileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": "/tiles/", "allow_overwrite": True},
        },
    }
    settings.PANOCONFIG_PREPARED_DIR = tmp_path / "prepared"
    settings.PANOCONFIG_RATE_PER_IP = "10000/m"
    settings.PANOCONFIG_RATE_PER_TENANT = "10000/m"
    return root


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    # A prefix of its own per test rather than cache.clear(): with REDIS_URL the cache
    # shares its database with the Celery broker, and a flush would drop queued tasks.
    import uuid

    settings.RATELIMIT_CACHE_PREFIX = f"rl-{uuid.uuid4().hex[:8]}:"


@pytest.fixture
def big_scene(owner_tenant):
    """A published 4096×2048 scene with 3 layers of 3 options (the first keeps the base)."""
    return factories.make_scene(owner_tenant, slug="loft", layers=3, options=3, size=BIG_SIZE)


def run_queued_jobs():
    """What a worker does: run every job that waits, in this process."""
    ran = 0
    for job_id in RenderJob.objects.filter(status=JobStatus.QUEUED).values_list("pk", flat=True):
        rendering.job_run(job_id=job_id)
        ran += 1
    return ran


def render_url(tenant):
    return f"/api/v1/tenants/{tenant.slug}/renders"
