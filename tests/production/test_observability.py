import json
import logging

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker

from panoconfig import request_id as rid
from panoconfig.logs import JsonFormatter, RequestIdFilter

pytestmark = pytest.mark.urls("tests.production.urls")


def formatted(record):
    RequestIdFilter().filter(record)
    return json.loads(JsonFormatter().format(record))


def make_record(message="render finished", **extra):
    record = logging.LogRecord("renders", logging.INFO, __file__, 1, message, None, None)
    record.__dict__.update(extra)
    return record


def test_log_lines_are_json_with_level_logger_message_and_extra_fields():
    entry = formatted(make_record("tiles %s", tenant="acme", tiles=24))
    assert entry["level"] == "INFO"
    assert entry["logger"] == "renders"
    assert entry["tenant"] == "acme" and entry["tiles"] == 24
    assert entry["request_id"] == "-"
    assert entry["time"].endswith("+00:00")


def test_exceptions_are_kept_inside_the_json_line():
    try:
        raise ValueError("bad tile")
    except ValueError:
        import sys

        record = logging.LogRecord("renders", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert "ValueError: bad tile" in json.loads(line)["exception"]


def test_log_records_carry_the_current_request_id():
    token = rid._current.set("req-0123456789")
    try:
        assert formatted(make_record())["request_id"] == "req-0123456789"
    finally:
        rid._current.reset(token)


@pytest.mark.django_db
def test_a_well_formed_incoming_request_id_is_honoured_and_echoed(client):
    response = client.get("/api/v1/health", HTTP_X_REQUEST_ID="3f1c9a7e-5b2d-4c8e-9f00-abcdef123456")
    assert response["X-Request-ID"] == "3f1c9a7e-5b2d-4c8e-9f00-abcdef123456"


@pytest.mark.django_db
@pytest.mark.parametrize("incoming", ["", "short", "has space in it", "x" * 200, "evil\r\nSet-Cookie: a=b"])
def test_a_malformed_request_id_is_replaced_by_a_fresh_one(client, incoming):
    response = client.get("/api/v1/health", HTTP_X_REQUEST_ID=incoming)
    echoed = response["X-Request-ID"]
    assert echoed != incoming
    assert len(echoed) == 32 and int(echoed, 16) >= 0


@pytest.mark.django_db
def test_each_request_without_an_id_gets_its_own(client):
    first = client.get("/api/v1/health")["X-Request-ID"]
    second = client.get("/api/v1/health")["X-Request-ID"]
    assert first != second


@pytest.mark.django_db
def test_logs_written_during_a_request_carry_its_id(client, caplog):
    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/api/v1/tenants/nobody/config", HTTP_X_REQUEST_ID="trace-abcdef012345")
    assert response.status_code == 404
    ids = [record.request_id for record in caplog.records if record.name == "django.request"]
    assert ids == ["trace-abcdef012345"]


class ListHandler(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []
        self.addFilter(RequestIdFilter())

    def emit(self, record):
        self.records.append(record)


def test_the_request_id_travels_with_a_task_into_a_real_worker():
    # The worker's start-up resets the root logger's handlers: listen on ours directly.
    task_log = ListHandler()
    logging.getLogger("panoconfig.tasks").addHandler(task_log)
    app = Celery("request-id-test", broker="memory://", backend="cache+memory://")
    app.conf.task_default_queue = "celery"
    seen = []

    @app.task(name="tests.production.record_request_id_task")
    def record_request_id_task():
        seen.append(rid.current_request_id())
        return rid.current_request_id()

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        token = rid._current.set("req-from-web-0001")
        try:
            result = record_request_id_task.delay()
        finally:
            rid._current.reset(token)
        assert result.get(timeout=10) == "req-from-web-0001"
        # A task published outside any request still gets an id of its own.
        orphan = record_request_id_task.delay().get(timeout=10)
    assert seen[0] == "req-from-web-0001"
    assert orphan and orphan != "req-from-web-0001"
    logging.getLogger("panoconfig.tasks").removeHandler(task_log)
    finished = task_log.records
    assert finished[0].request_id == "req-from-web-0001"
    assert finished[0].state == "SUCCESS" and finished[0].duration_ms >= 0


@pytest.mark.django_db
def test_an_https_redirect_carries_a_request_id_too(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/api/v1/tenants/acme/config", HTTP_X_REQUEST_ID="redirect-0123456789")
    assert response.status_code == 301
    assert response["X-Request-ID"] == "redirect-0123456789"
