import pytest
from django.conf import settings

from panoconfig.celery import app


def queue_of(task_name):
    return app.amqp.router.route({}, task_name)["queue"].name


@pytest.mark.parametrize(
    ("task_name", "queue"),
    [
        ("renders.tasks.render_still_task", "stills"),
        ("renders.tasks.still_render_task", "stills"),
        ("renders.tasks.prepare_scene_task", "prepare"),
        ("catalog.tasks.scene_prepare_task", "prepare"),
        ("renders.tasks.render_job_task", "renders"),
        ("renders.tasks.render_level_task", "renders"),
        ("tenants.tasks.something_else_task", "renders"),  # the default queue
    ],
)
def test_tasks_are_routed_to_their_queue_by_name(task_name, queue):
    assert queue_of(task_name) == queue


def test_a_worker_without_q_consumes_all_three_queues():
    assert {q.name for q in settings.CELERY_TASK_QUEUES} == {"renders", "stills", "prepare"}
    assert set(app.amqp.queues) >= {"renders", "stills", "prepare"}


def test_workers_take_one_task_at_a_time_and_ack_after_the_work():
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True


def test_time_limits_leave_the_soft_limit_room_to_clean_up():
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit


def test_memory_recycling_and_limits_come_from_the_environment(monkeypatch):
    import importlib

    import panoconfig.settings as module

    monkeypatch.setenv("CELERY_WORKER_MAX_MEMORY_PER_CHILD", "358400")
    monkeypatch.setenv("CELERY_TASK_TIME_LIMIT", "1200")
    monkeypatch.setenv("CELERY_TASK_SOFT_TIME_LIMIT", "1100")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/4")
    try:
        reloaded = importlib.reload(module)
        assert reloaded.CELERY_WORKER_MAX_MEMORY_PER_CHILD == 358400
        assert reloaded.CELERY_TASK_TIME_LIMIT == 1200
        # Redis re-delivers unacknowledged tasks after this: it must outlast a task.
        assert reloaded.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > 1200
    finally:
        monkeypatch.undo()
        importlib.reload(module)


def test_a_soft_limit_above_the_hard_limit_stops_the_process(monkeypatch):
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    import panoconfig.settings as module

    monkeypatch.setenv("CELERY_TASK_SOFT_TIME_LIMIT", "900")
    monkeypatch.setenv("CELERY_TASK_TIME_LIMIT", "900")
    try:
        with pytest.raises(ImproperlyConfigured, match="SOFT_TIME_LIMIT"):
            importlib.reload(module)
    finally:
        monkeypatch.undo()
        importlib.reload(module)
