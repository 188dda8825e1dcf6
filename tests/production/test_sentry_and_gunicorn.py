import json
import runpy
from datetime import timedelta
from pathlib import Path

import pytest
import sentry_sdk
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from panoconfig.gunicorn_logging import access_entry
from panoconfig.sentry import init_sentry

ROOT = Path(__file__).resolve().parents[2]


def test_sentry_stays_off_without_a_dsn():
    assert init_sentry(dsn="", environment="production") is False
    assert not sentry_sdk.get_client().is_active()


def test_sentry_starts_with_a_dsn_and_sends_no_personal_data():
    try:
        assert init_sentry(dsn="https://public@127.0.0.1:8399/1", environment="staging") is True
        client = sentry_sdk.get_client()
        assert client.is_active()
        assert client.options["environment"] == "staging"
        assert not client.options.get("send_default_pii")  # the default sends no personal data
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.init()  # back to a client that sends nothing


def test_gunicorn_takes_port_and_worker_counts_from_the_environment(monkeypatch):
    monkeypatch.setenv("PORT", "8351")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("GUNICORN_THREADS", "4")
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert conf["bind"] == "0.0.0.0:8351"
    assert (conf["workers"], conf["threads"], conf["worker_class"]) == (3, 4, "gthread")
    assert conf["timeout"] == 30 and conf["logger_class"].endswith("JsonAccessLogger")


def test_gunicorn_defaults_scale_with_the_cpu_count(monkeypatch):
    for name in ("PORT", "WEB_CONCURRENCY", "GUNICORN_THREADS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("multiprocessing.cpu_count", lambda: 4)
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert conf["workers"] == 9 and conf["bind"] == "0.0.0.0:8000"


def test_the_access_log_entry_is_json_with_the_request_id():
    entry = access_entry(
        status="404 Not Found",
        environ={"REQUEST_METHOD": "GET", "PATH_INFO": '/t/"odd"/', "REMOTE_ADDR": "10.1.2.3"},
        response_headers=[("X-Request-ID", "abc123abc123"), ("Content-Type", "text/html")],
        request_time=timedelta(milliseconds=12, microseconds=500),
        sent=321,
    )
    decoded = json.loads(json.dumps(entry))
    assert decoded["status"] == 404 and decoded["path"] == '/t/"odd"/'
    assert decoded["request_id"] == "abc123abc123"
    assert decoded["duration_ms"] == 12.5 and decoded["bytes"] == 321


@pytest.mark.django_db
@pytest.mark.parametrize("allowed", [["*"], [".panoconfig.example", "other.example"], ["panoconfig.example"]])
def test_a_new_worker_warms_up_with_a_health_request_through_the_whole_stack(settings, allowed):
    from django.core.wsgi import get_wsgi_application

    from panoconfig.warmup import warm_up

    settings.ALLOWED_HOSTS = allowed
    # As the test client does: the handler would close the test's database connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        assert warm_up(get_wsgi_application()) == 200
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_gunicorn_warms_each_worker_and_survives_a_failed_warm_up(monkeypatch):
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    seen, logged = [], []

    class Worker:
        wsgi = "the application"

        class log:  # noqa: N801 - gunicorn's attribute
            exception = staticmethod(logged.append)

    monkeypatch.setattr("panoconfig.warmup.warm_up", seen.append)
    conf["post_worker_init"](Worker())
    assert seen == ["the application"] and logged == []

    def broken(application):
        raise ConnectionError("database away")

    monkeypatch.setattr("panoconfig.warmup.warm_up", broken)
    conf["post_worker_init"](Worker())
    assert logged == ["warm-up request failed"]
