"""A request id that follows one piece of work from the web request into its Celery tasks.

The id is kept in a context variable: the logging filter reads it, the middleware sets
it per request, and the Celery signal handlers carry it through the task message's
headers into the worker.
"""

import contextvars
import logging
import re
import time
import uuid

from celery.signals import before_task_publish, task_postrun, task_prerun

HEADER = "X-Request-ID"
TASK_HEADER = "panoconfig_request_id"
# Accept what proxies commonly send (UUIDs, hex, Render's ids); refuse anything that
# could smuggle text into a log line or a response header.
_WELL_FORMED = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{7,127}$")

_current = contextvars.ContextVar("panoconfig_request_id", default=None)
task_logger = logging.getLogger("panoconfig.tasks")


def current_request_id():
    return _current.get()


def new_request_id():
    return uuid.uuid4().hex


def accepted_request_id(raw):
    """The incoming id when it is well formed, else a fresh one."""
    if raw and _WELL_FORMED.match(raw):
        return raw
    return new_request_id()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = accepted_request_id(request.headers.get(HEADER))
        request.request_id = request_id
        token = _current.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response[HEADER] = request_id
        return response


@before_task_publish.connect(dispatch_uid="panoconfig.request_id.publish")
def _add_request_id_to_message(headers=None, **kwargs):
    request_id = _current.get()
    if headers is not None and request_id and TASK_HEADER not in headers:
        headers[TASK_HEADER] = request_id


@task_prerun.connect(dispatch_uid="panoconfig.request_id.prerun")
def _take_request_id_from_message(task=None, **kwargs):
    # Protocol-2 message headers become attributes of task.request in the worker.
    request_id = getattr(task.request, TASK_HEADER, None) if task is not None else None
    task.request._panoconfig_token = _current.set(request_id or new_request_id())
    task.request._panoconfig_started = time.monotonic()


@task_postrun.connect(dispatch_uid="panoconfig.request_id.postrun")
def _forget_request_id(task=None, task_id=None, state=None, **kwargs):
    if task is None:
        return
    started = getattr(task.request, "_panoconfig_started", None)
    if started is not None:
        # One line per task run, with the request id that caused it still attached.
        task_logger.info(
            "task %s %s", task.name, state,
            extra={"task": task.name, "task_id": task_id, "state": state,
                   "duration_ms": round((time.monotonic() - started) * 1000, 1)},
        )
    token = getattr(task.request, "_panoconfig_token", None)
    if token is not None:
        try:
            _current.reset(token)
        except ValueError:  # set in another context (eager tasks run nested)
            _current.set(None)
