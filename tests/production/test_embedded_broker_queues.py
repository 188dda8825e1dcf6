"""The three queues and their routes work on the embedded (file-system) broker too."""

from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.conf import settings


def test_a_worker_without_q_runs_tasks_routed_to_each_queue(tmp_path):
    folders = {name: tmp_path / name for name in ("queue", "processed", "control")}
    for folder in folders.values():
        folder.mkdir()
    app = Celery("embedded-broker-test", broker="filesystem://", backend="cache+memory://")
    app.conf.update(
        broker_transport_options={
            "data_folder_in": str(folders["queue"]), "data_folder_out": str(folders["queue"]),
            "processed_folder": str(folders["processed"]), "control_folder": str(folders["control"]),
        },
        task_default_queue=settings.CELERY_TASK_DEFAULT_QUEUE,
        task_queues=settings.CELERY_TASK_QUEUES,
        task_routes=settings.CELERY_TASK_ROUTES,
    )

    def make(name):
        # Names of their own (shared tasks of the real module would otherwise answer),
        # shaped like the real ones so the same routes apply.
        @app.task(name=name, bind=True)
        def task(self):
            return self.request.delivery_info.get("routing_key")

        return task

    names = ["renders.tasks.probe_render_task", "renders.tasks.probe_still_task", "renders.tasks.probe_prepare_task"]
    tasks = [make(name) for name in names]
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        results = [task.delay() for task in tasks]
        assert [r.get(timeout=15) for r in results] == ["renders", "stills", "prepare"]
    assert sorted(path.name for path in folders["control"].iterdir())  # kept under our folder
