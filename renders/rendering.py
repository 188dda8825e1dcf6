"""Running a render job on a worker: claim, render missing tiles, store, report progress.

A run owns a job through its ``claim`` token. Every write a run makes is filtered by
that token, so when a stale job is taken over by another run, the old one (if it is
still alive at all) stops at its next write instead of racing the new owner.
"""

import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from renders import tileclaims, tilestore
from renders.models import JobKind, JobStatus, RenderJob, Tile
from renders.preparation import scene_prepare

logger = logging.getLogger(__name__)


FOREIGN_POLL_SECONDS = 0.2


class LostClaim(Exception):
    """Another run took the job over."""


def job_claim(*, job_id, token):
    """Take the job if it is queued or its owner went silent; the claimed job or None."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.PANOCONFIG_RENDER_STALE_SECONDS)
    claimable = Q(status=JobStatus.QUEUED) | Q(
        Q(status=JobStatus.RENDERING) & (Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True))
    )
    taken = (
        RenderJob.objects.filter(claimable, pk=job_id)
        .update(
            status=JobStatus.RENDERING,
            claim=token,
            heartbeat_at=now,
            started_at=Coalesce(F("started_at"), now),
            attempts=F("attempts") + 1,
            error="",
        )
    )
    if not taken:
        return None
    return RenderJob.objects.select_related("scene", "tenant").get(pk=job_id)


def _owned(job, token, **fields):
    if not RenderJob.objects.filter(pk=job.pk, claim=token).update(**fields):
        raise LostClaim(job.pk)


def job_release(*, job_id, token, error=""):
    """Give a claimed job back to the queue (before a retry); queued_at restarts the stale clock."""
    RenderJob.objects.filter(pk=job_id, claim=token).update(
        status=JobStatus.QUEUED, claim="", error=error[:2000], queued_at=timezone.now()
    )


def job_fail(*, job_id, error, token=None, unclaimed_only=False):
    jobs = RenderJob.objects.filter(pk=job_id).exclude(status=JobStatus.READY)
    if token is not None:
        jobs = jobs.filter(claim=token)
    elif unclaimed_only:
        jobs = jobs.filter(claim="")
    jobs.update(status=JobStatus.FAILED, error=str(error)[:2000], finished_at=timezone.now(), claim="")


class Heartbeat(threading.Thread):
    """Touches the job's heartbeat while a run is alive; notices a takeover."""

    def __init__(self, job_id, token):
        super().__init__(daemon=True, name=f"heartbeat-{job_id}")
        self.job_id, self.token = job_id, token
        self.interval = max(0.5, min(5.0, settings.PANOCONFIG_RENDER_STALE_SECONDS / 4))
        self.stopped = threading.Event()
        self.lost = False
        self.tile_claims = set()  # tiles this run claimed (tileclaims), kept alive while it lives

    def run(self):
        try:
            while not self.stopped.wait(self.interval):
                touched = RenderJob.objects.filter(pk=self.job_id, claim=self.token).update(
                    heartbeat_at=timezone.now()
                )
                if not touched:
                    self.lost = True
                    return
                tileclaims.refresh(set(self.tile_claims), self.token)
        except Exception:
            logger.exception("heartbeat of job %s failed", self.job_id)
        finally:
            connection.close()

    def stop(self):
        self.stopped.set()
        self.join(timeout=2)


@dataclass
class _Level:
    index: int
    missing: int = 0  # tiles of the level this run must store
    submitted: int = 0
    pending: list = field(default_factory=list)  # (key, future) being stored
    foreign: set = field(default_factory=set)  # missing tiles another run claimed: awaited in the index


class TileWriter:
    """Stores tiles on a small thread pool while the engine renders the next ones.

    Database writes stay on the calling thread: a level's tiles enter the index and
    ``levels_ready`` moves only once every one of them is in the storage.
    """

    def __init__(self, *, job, token, scene_id, levels, tiles_done, threads, on_level=None):
        self.job, self.token, self.scene_id = job, token, scene_id
        self.levels = levels
        self.tiles_done = tiles_done
        self.levels_ready = 0
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="tile-store")
        self.slots = threading.BoundedSemaphore(threads * 8)  # bounds the bytes held in memory
        self.on_level = on_level

    def submit(self, coord, key, data):
        self.slots.acquire()
        future = self.pool.submit(tilestore.tile_save, key, data)
        future.add_done_callback(lambda _: self.slots.release())
        level = self.levels[coord.level]
        level.pending.append((key, future))
        level.submitted += 1
        self.flush(wait=False)

    def flush(self, *, wait):
        while self.levels_ready < len(self.levels):
            level = self.levels[self.levels_ready]
            if level.submitted < level.missing:
                if wait:
                    raise RuntimeError(f"level {level.index}: {level.missing - level.submitted} tiles never rendered")
                return
            if not wait and not all(future.done() for _, future in level.pending):
                return
            if level.pending:
                stored = [(key, future.result()) for key, future in level.pending]
                Tile.objects.bulk_create(
                    [Tile(key=key, scene_id=self.scene_id, level=level.index, size=size) for key, size in stored],
                    ignore_conflicts=True,
                )
                level.pending = []
                self.tiles_done += len(stored)
            if level.foreign:
                arrived = level.foreign - _missing_keys(level.foreign)
                level.foreign -= arrived
                self.tiles_done += len(arrived)
                if level.foreign:
                    return  # another run is storing them; _await_foreign waits or takes them over
            self.levels_ready += 1
            _owned(self.job, self.token, tiles_done=self.tiles_done, levels_ready=self.levels_ready,
                   heartbeat_at=timezone.now())
            if self.on_level:
                self.on_level(self.levels_ready)

    def close(self):
        self.pool.shutdown(wait=True, cancel_futures=True)


def _missing_keys(keys):
    present = set()
    key_list = list(keys)
    for start in range(0, len(key_list), 500):
        present.update(Tile.objects.filter(key__in=key_list[start:start + 500]).values_list("key", flat=True))
    return set(keys) - present


def _claim_missing(keys, token, heartbeat):
    """Claim what no live run is rendering, then drop what entered the index meanwhile: a run
    indexes its tiles before it releases their claims, so a claim won after that release
    must not render the tile again."""
    claimed = tileclaims.claim(keys, token)
    heartbeat.tile_claims |= claimed
    return claimed & _missing_keys(claimed)


def _render_keys(prepared, job, keys, all_keys, writer, heartbeat):
    """Render and submit the tiles of ``keys`` (lowest level first); how many."""
    if not keys:
        return 0
    count = 0
    for coord, key, data in prepared.render(
        job.selection, skip_keys=all_keys - keys, quality=settings.PANOCONFIG_JPEG_QUALITY
    ):
        if heartbeat.lost:
            raise LostClaim(job.pk)
        writer.submit(coord, key, data)
        count += 1
    return count


def _await_foreign(prepared, job, token, all_keys, writer, heartbeat):
    """Wait for the tiles other runs claimed; render those whose claim lapsed. How many rendered."""
    rendered = 0
    while writer.levels_ready < len(writer.levels):
        if heartbeat.lost:
            raise LostClaim(job.pk)
        outstanding = set().union(*(level.foreign for level in writer.levels))
        taken = _claim_missing(outstanding, token, heartbeat)
        if taken:
            for level in writer.levels:
                moved = level.foreign & taken
                level.foreign -= moved
                level.missing += len(moved)
            rendered += _render_keys(prepared, job, taken, all_keys, writer, heartbeat)
        else:
            time.sleep(FOREIGN_POLL_SECONDS)
        writer.flush(wait=True)
    return rendered


def _prepared_timed(scene, timings):
    t = time.perf_counter()
    prepared = scene_prepare(scene=scene)
    timings["prepare_s"] = round(time.perf_counter() - t, 3)
    return prepared


def _render_tiles(job, token, heartbeat, timings, started):
    scene = job.scene
    prepared = _prepared_timed(scene, timings)

    t = time.perf_counter()
    coord_keys = prepared.tile_keys(job.selection, quality=settings.PANOCONFIG_JPEG_QUALITY)
    missing = _missing_keys(coord_keys.values())
    mine = _claim_missing(missing, token, heartbeat)  # the rest is awaited in the index
    levels = [_Level(index=i) for i in range(len(prepared.levels))]
    for coord, key in coord_keys.items():
        levels[coord.level].missing += key in mine
        if key in missing and key not in mine:
            levels[coord.level].foreign.add(key)
    timings["index_s"] = round(time.perf_counter() - t, 3)
    _owned(
        job, token,
        levels=[level.to_marzipano() for level in prepared.levels],
        tile_keys={coord.path(): key for coord, key in coord_keys.items()},
        tiles_total=len(coord_keys),
        tiles_done=len(coord_keys) - len(missing),
        levels_ready=0,
        timings=timings,
    )

    def level_done(count):
        if count == 1 and "first_level_s" not in timings:
            timings["first_level_s"] = round(time.perf_counter() - started, 3)

    writer = TileWriter(
        job=job, token=token, scene_id=scene.pk, levels=levels, tiles_done=len(coord_keys) - len(missing),
        threads=settings.PANOCONFIG_UPLOAD_THREADS, on_level=level_done,
    )
    t = time.perf_counter()
    rendered = 0
    try:
        writer.flush(wait=False)  # levels with nothing missing are ready at once
        all_keys = set(coord_keys.values())
        rendered += _render_keys(prepared, job, mine, all_keys, writer, heartbeat)
        timings["render_s"] = round(time.perf_counter() - t, 3)
        t = time.perf_counter()
        writer.flush(wait=True)
        rendered += _await_foreign(prepared, job, token, all_keys, writer, heartbeat)
        timings["store_wait_s"] = round(time.perf_counter() - t, 3)
    finally:
        writer.close()

    still_missing = _missing_keys(coord_keys.values())
    if still_missing:
        raise RuntimeError(f"{len(still_missing)} tiles are not in the index after rendering")
    timings["total_s"] = round(time.perf_counter() - started, 3)
    _owned(
        job, token,
        status=JobStatus.READY, tiles_done=len(coord_keys), levels_ready=len(levels), tiles_rendered=rendered,
        timings=timings, finished_at=timezone.now(), claim="",
    )
    logger.info(
        "render job %s ready: %s of %s tiles rendered", job.pk, rendered, len(coord_keys),
        extra={"job": job.pk, "scene": job.scene_id, "tiles_rendered": rendered, "timings": timings},
    )


def _render_still(job, token, heartbeat, timings, started):
    scene = job.scene
    prepared = _prepared_timed(scene, timings)
    t = time.perf_counter()
    data = prepared.render_still(
        job.selection, yaw=scene.default_yaw, pitch=scene.default_pitch, fov=scene.default_fov,
        quality=settings.PANOCONFIG_JPEG_QUALITY,
    )
    timings["render_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    tilestore.still_save(job.combination, data)
    timings["store_s"] = round(time.perf_counter() - t, 3)
    timings["total_s"] = round(time.perf_counter() - started, 3)
    _owned(
        job, token, status=JobStatus.READY, output_key=job.combination, tiles_total=1, tiles_done=1,
        levels_ready=0, timings=timings, finished_at=timezone.now(), claim="",
    )


def job_run(*, job_id):
    """Render one job if it needs a worker; safe to call any number of times."""
    from renders.engine import EngineInputError

    token = uuid.uuid4().hex
    job = job_claim(job_id=job_id, token=token)
    if job is None:
        logger.info("job %s needs no work here (done, owned by a live run, or gone)", job_id)
        return None
    heartbeat = Heartbeat(job.pk, token)
    heartbeat.start()
    started = time.perf_counter()
    timings = {"queue_s": round((timezone.now() - job.queued_at).total_seconds(), 3)}
    try:
        if job.kind == JobKind.STILL:
            _render_still(job, token, heartbeat, timings, started)
        else:
            _render_tiles(job, token, heartbeat, timings, started)
    except LostClaim:
        logger.warning("job %s was taken over by another run", job_id)
        return None
    except EngineInputError as error:
        job_fail(job_id=job.pk, token=token, error=error)
        return None
    except tilestore.STORAGE_ERRORS as error:
        job_release(job_id=job.pk, token=token, error=f"storage: {error}")
        raise
    except BaseException as error:
        job_fail(job_id=job.pk, token=token, error=f"{type(error).__name__}: {error}")
        raise
    finally:
        heartbeat.stop()
        tileclaims.release(heartbeat.tile_claims)  # after the heartbeat, which refreshes them
    return token
