"""Writes shared by the API, the admin, the prewarm command and the tasks."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from catalog.models import PreparationStatus, Scene
from panoconfig.errors import CACHE_ERRORS
from renders.combinations import Combination, combinations_all, scene_layers
from renders.models import JobKind, JobStatus, RenderJob, RequestedBy, Tile
from renders.preparation import prepared_get_local

logger = logging.getLogger(__name__)


@dataclass
class RenderState:
    """What the API answers for a combination: a job, or tiles that all exist already."""

    combination: Combination
    job: RenderJob | None = None
    tile_keys: dict | None = None  # path -> key, when answered without a job
    levels: list | None = None

    @property
    def status(self):
        return self.job.status if self.job else JobStatus.READY

    @property
    def is_ready(self):
        return self.status == JobStatus.READY


# Redis serves lower numbers first: a totem waiting in front of the screen overtakes a prewarm.
PRIORITIES = {RequestedBy.TOTEM: 0, RequestedBy.ADMIN: 3, RequestedBy.PREWARM: 6}


class QueueUnavailable(BrokerError):
    """The broker refused a job; the job is kept and queued again on a later request.

    A broker error itself, so outside the API (admin actions) it is a 503 too (panoconfig.errors).
    """


def _publish(job):
    from renders.tasks import render_job_task, render_still_task

    task = render_still_task if job.kind == JobKind.STILL else render_job_task
    try:
        task.apply_async(args=[job.pk], priority=PRIORITIES.get(job.requested_by, 0))
    except (BrokerError, ConnectionError, OSError) as error:
        # Back-date queued_at so the next request for this job finds it stale and publishes again.
        RenderJob.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(queued_at=timezone.now() - timedelta(days=1))
        logger.warning("job %s not published, the broker is unavailable: %s", job.pk, error)
        raise QueueUnavailable(str(error)) from error


def _enqueue(job):
    transaction.on_commit(lambda: _publish(job))


def _cached_tiles(combination):
    """Tile keys and levels when this machine can tell every tile exists already, else None."""
    prepared = prepared_get_local(combination.scene, list(combination.layers))
    if prepared is None:
        return None
    coord_keys = prepared.tile_keys(combination.selection, quality=settings.PANOCONFIG_JPEG_QUALITY)
    keys = set(coord_keys.values())
    if Tile.objects.filter(key__in=keys).count() != len(keys):
        return None
    return (
        {coord.path(): key for coord, key in coord_keys.items()},
        [level.to_marzipano() for level in prepared.levels],
    )


def job_get_or_create(*, combination, kind=JobKind.TILES, requested_by=RequestedBy.TOTEM):
    """The one job of a combination; created (and queued) by whichever request comes first.

    The unique constraint on (scene, kind, combination) decides between concurrent
    requests in any number of processes: the losers of the race read the winner's row.
    """
    scene = combination.scene
    lookup = {"scene": scene, "kind": kind, "combination": (
        combination.still_digest if kind == JobKind.STILL else combination.digest
    )}
    job = RenderJob.objects.filter(**lookup).first()
    if job is not None:
        return job, False
    try:
        with transaction.atomic():
            job = RenderJob.objects.create(
                tenant_id=scene.tenant_id, build=combination.build, selection=combination.selection,
                requested_by=requested_by, **lookup,
            )
    except IntegrityError:
        return RenderJob.objects.get(**lookup), False
    _enqueue(job)
    return job, True


def _hits_key(job_id):
    return f"renders:hits:{job_id}"


def job_count_request(*, job):
    """Count a request for the job: in the cache once it is ready (no database write on the
    hot path of cached combinations), in the row while it is being made."""
    if job.status == JobStatus.READY:
        job_count_hit(job_id=job.pk)
        return
    RenderJob.objects.filter(pk=job.pk).update(request_count=F("request_count") + 1)


def job_count_hit(*, job_id):
    key = _hits_key(job_id)
    try:
        try:
            cache.incr(key)  # one round trip in the usual case
        except ValueError:  # first hit (or evicted)
            if not cache.add(key, 1, timeout=None):
                cache.incr(key)
    except CACHE_ERRORS:  # Redis away: count in the row, as for a job being made
        RenderJob.objects.filter(pk=job_id).update(request_count=F("request_count") + 1)


def job_requests(*, job):
    """Requests a job has seen: those counted in its row and those counted in the cache."""
    try:
        hits = cache.get(_hits_key(job.pk)) or 0
    except CACHE_ERRORS:
        hits = 0
    return job.request_count + hits


def job_revive(*, job, retry_failed=False):
    """Queue again a job whose worker went silent (or, when asked, one that failed a while ago).

    A conditional update: among concurrent requests only one re-queues it.
    """
    now = timezone.now()
    stale = RenderJob.objects.filter(pk=job.pk).stale(seconds=settings.PANOCONFIG_RENDER_STALE_SECONDS, now=now)
    revived = stale.update(status=JobStatus.QUEUED, claim="", queued_at=now)
    if not revived and retry_failed:
        limit = now - timedelta(seconds=settings.PANOCONFIG_RENDER_RETRY_FAILED_SECONDS)
        revived = RenderJob.objects.filter(pk=job.pk, status=JobStatus.FAILED, finished_at__lt=limit).update(
            status=JobStatus.QUEUED, claim="", queued_at=now, error=""
        )
    if revived:
        job.refresh_from_db()
        logger.info("job %s queued again", job.pk)
        _enqueue(job)
    return bool(revived)


def render_request(*, combination, requested_by=RequestedBy.TOTEM, create=True):
    """State of a combination's tiles, creating and queueing its job when tiles are missing."""
    job = RenderJob.objects.filter(
        scene=combination.scene, kind=JobKind.TILES, combination=combination.digest
    ).first()
    if job is not None:
        if create:
            job_count_request(job=job)
        if job.status != JobStatus.READY:
            job_revive(job=job, retry_failed=create)
        return RenderState(combination=combination, job=job)
    cached = _cached_tiles(combination)
    if cached is not None:
        return RenderState(combination=combination, tile_keys=cached[0], levels=cached[1])
    if not create:
        return None
    job, created = job_get_or_create(combination=combination, requested_by=requested_by)
    if not created:  # another request created it a moment ago
        RenderJob.objects.filter(pk=job.pk).update(request_count=F("request_count") + 1)
    return RenderState(combination=combination, job=job)


def still_request(*, combination, create=True):
    job = RenderJob.objects.filter(
        scene=combination.scene, kind=JobKind.STILL, combination=combination.still_digest
    ).first()
    if job is None:
        if not create:
            return None
        job, _ = job_get_or_create(combination=combination, kind=JobKind.STILL)
    elif job.status != JobStatus.READY:
        job_revive(job=job, retry_failed=create)
    return job


def scene_prepare_queue(*, scene):
    """Mark the scene for preparation and queue it once the transaction commits."""
    from renders.tasks import prepare_scene_task

    Scene.objects.filter(pk=scene.pk).update(preparation_status=PreparationStatus.PENDING, preparation_error="")
    transaction.on_commit(lambda: prepare_scene_task.delay(scene.pk))


def scene_prewarm(*, scene, limit=None, requested_by=RequestedBy.PREWARM):
    """Queue every combination of the scene (or the first ``limit``); returns (queued, already there)."""
    queued = existing = 0
    for index, combination in enumerate(combinations_all(scene=scene)):
        if limit is not None and index >= limit:
            break
        _, created = job_get_or_create(combination=combination, requested_by=requested_by)
        queued += created
        existing += not created
    return queued, existing


def scene_rerender(*, scene, top=20):
    """Prepare the scene again and re-render its most requested combinations."""
    candidates = RenderJob.objects.filter(scene=scene, kind=JobKind.TILES).order_by("-request_count", "-created_at")
    jobs = sorted(candidates[:1000], key=lambda job: job_requests(job=job), reverse=True)[:top]
    layers = scene_layers(scene)
    scene_prepare_queue(scene=scene)
    requeued = 0
    for job in jobs:
        from renders.combinations import combination_from_selection, SelectionError

        try:
            combination = combination_from_selection(scene=scene, selection=job.selection, layers=layers)
        except SelectionError:
            continue
        if combination.digest == job.combination:
            updated = RenderJob.objects.filter(pk=job.pk).filter(~Q(status=JobStatus.RENDERING)).update(
                status=JobStatus.QUEUED, claim="", queued_at=timezone.now(), error="", requested_by=RequestedBy.ADMIN
            )
            if updated:
                _enqueue(job)
                requeued += 1
        else:
            requeued += job_get_or_create(combination=combination, requested_by=RequestedBy.ADMIN)[1]
    return requeued
