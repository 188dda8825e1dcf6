"""The embedded (file-system) broker: the three queues and their routes, and messages that a
worker never sees half written."""

import os
import subprocess
import sys
from pathlib import Path
from queue import Empty

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from kombu import Connection

from panoconfig import broker

ROOT = Path(__file__).resolve().parents[2]
TRANSPORT = "panoconfig.broker:Transport"


def broker_folders(tmp_path):
    folders = {name: tmp_path / name for name in ("queue", "processed", "control")}
    for folder in folders.values():
        folder.mkdir()
    options = {
        "data_folder_in": str(folders["queue"]), "data_folder_out": str(folders["queue"]),
        "processed_folder": str(folders["processed"]), "control_folder": str(folders["control"]),
    }
    return folders, options


def test_a_worker_without_q_runs_tasks_routed_to_each_queue(tmp_path):
    folders, options = broker_folders(tmp_path)
    app = Celery("embedded-broker-test", broker="filesystem://", backend="cache+memory://")
    app.conf.update(
        broker_transport=TRANSPORT,
        broker_transport_options=options,
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


def test_a_message_appears_in_the_queue_only_once_whole(tmp_path, monkeypatch):
    folders, options = broker_folders(tmp_path)
    with Connection("filesystem://", transport=TRANSPORT, transport_options=options) as connection:
        channel = connection.default_channel
        assert isinstance(channel, broker.Channel)
        seen_while_writing = []
        real_replace = os.replace

        def replace(source, target):
            # The moment kombu's own transport would already show the file: nothing readable yet.
            with pytest.raises(Empty):
                channel._get("renders")
            seen_while_writing.append(Path(source).read_bytes())
            real_replace(source, target)

        monkeypatch.setattr(os, "replace", replace)
        channel._put("renders", {"body": "x" * 100_000})

        assert len(seen_while_writing) == 1 and len(seen_while_writing[0]) > 100_000
        assert channel._get("renders") == {"body": "x" * 100_000}
        assert list(folders["queue"].iterdir()) == []


def test_the_embedded_settings_publish_through_this_transport():
    env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "DATABASE_URL")}
    probe = (
        "import django; django.setup(); from panoconfig.celery import app; "
        "print(type(app.connection_for_write().transport).__module__)"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "panoconfig.broker"
