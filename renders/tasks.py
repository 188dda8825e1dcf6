"""Celery tasks: thin wrappers that take ids, re-fetch, and call the services."""

import logging

from celery import Task, shared_task
from django.conf import settings

from renders import preparation, rendering
from renders.tilestore import STORAGE_ERRORS

logger = logging.getLogger(__name__)


class RenderTask(Task):
    """Marks the job failed once the retries for storage errors are used up."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        # Only a job no run holds: another run (a revived copy of this task) may own it by now.
        if args:
            rendering.job_fail(job_id=args[0], error=f"{type(exc).__name__}: {exc}", unclaimed_only=True)


_RENDER_OPTIONS = {
    "base": RenderTask,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": STORAGE_ERRORS,
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": settings.PANOCONFIG_RENDER_STORAGE_RETRIES,
    "soft_time_limit": settings.PANOCONFIG_RENDER_SOFT_TIME_LIMIT,
    "time_limit": settings.PANOCONFIG_RENDER_HARD_TIME_LIMIT,
}


@shared_task(**_RENDER_OPTIONS)
def render_job_task(job_id):
    rendering.job_run(job_id=job_id)


@shared_task(**_RENDER_OPTIONS)
def render_still_task(job_id):
    rendering.job_run(job_id=job_id)


@shared_task(
    acks_late=True,
    autoretry_for=STORAGE_ERRORS,
    retry_backoff=2,
    max_retries=3,
    soft_time_limit=settings.PANOCONFIG_RENDER_SOFT_TIME_LIMIT,
    time_limit=settings.PANOCONFIG_RENDER_HARD_TIME_LIMIT,
)
def prepare_scene_task(scene_id):
    from renders.engine import EngineInputError

    from catalog.models import Scene

    scene = Scene.objects.filter(pk=scene_id).first()
    if scene is None:
        logger.info("scene %s is gone; nothing to prepare", scene_id)
        return
    try:
        preparation.scene_prepare(scene=scene)
    except EngineInputError as error:
        logger.warning("scene %s cannot be prepared: %s", scene_id, error)
