"""Backing services away (bugs found by `make faults` and schemathesis): 503 with a reason,
never a 500; cached combinations still served; nothing lost once the service returns."""

import pytest
from django.db import OperationalError
from django.test import Client, RequestFactory
from kombu.exceptions import OperationalError as BrokerError

from panoconfig.client_ip import client_ip
from renders import selectors
from renders.models import JobStatus, RenderJob
from renders.tasks import RenderTask, render_job_task
from tests.renders.conftest import render_url, run_queued_jobs

pytestmark = pytest.mark.django_db

DEAD_REDIS = "redis://127.0.0.1:9/0"  # nothing listens on the discard port


def post(client, tenant, scene, selection=None):
    return client.post(render_url(tenant), {"scene": scene.slug, "selection": selection or {}},
                       content_type="application/json")


@pytest.fixture
def published(monkeypatch):
    """Records publishes; ``published.refuse = True`` makes the broker refuse them."""

    class Recorder(list):
        refuse = False

    recorder = Recorder()

    def apply_async(args, **options):
        if recorder.refuse:
            raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        recorder.append(args[0])

    monkeypatch.setattr(render_job_task, "apply_async", apply_async)
    return recorder


def test_with_redis_gone_a_cached_combination_is_still_served(client, settings, owner_tenant, scene):
    post(client, owner_tenant, scene)
    run_queued_jobs()
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": DEAD_REDIS}}

    response = post(client, owner_tenant, scene)

    assert response.status_code == 200
    assert response.json()["status"] == "ready"
    assert len(response.json()["viewer"]["tiles"]) == 6


@pytest.mark.django_db(transaction=True)  # autocommit, as in production: on_commit runs at once
def test_with_the_broker_gone_a_new_combination_is_503_then_queued_when_it_returns(
    client, owner_tenant, scene, published
):
    published.refuse = True
    refused = post(client, owner_tenant, scene)

    assert refused.status_code == 503
    assert refused["Retry-After"] == "5"
    assert "queue unreachable" in refused.json()["detail"]
    job = RenderJob.objects.get()
    assert job.status == JobStatus.QUEUED and published == []

    published.refuse = False
    accepted = post(client, owner_tenant, scene)

    assert accepted.status_code == 202
    assert published == [job.pk]  # the same job, published now: nothing lost, nothing doubled
    assert RenderJob.objects.count() == 1


def test_a_database_error_is_a_503_with_a_reason_and_other_errors_stay_500(monkeypatch, owner_tenant):
    client = Client(raise_request_exception=False)

    def database_gone(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(selectors, "tenant_get_active", database_gone)
    response = client.get("/api/v1/tenants/acme/config")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "database unreachable" in response.json()["detail"]

    def bug(**kwargs):
        raise RuntimeError("a real bug")

    monkeypatch.setattr(selectors, "tenant_get_active", bug)
    assert client.get("/api/v1/tenants/acme/config").status_code == 500


def test_an_api_path_no_route_matches_answers_json_404(client):
    response = client.get("/api/v1/tenants/%C3%B5/config")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_a_spent_retry_chain_fails_only_a_job_no_other_run_holds(owner_tenant, scene):
    job = RenderJob.objects.create(tenant=owner_tenant, scene=scene, build="b", combination="c" * 64,
                                   status=JobStatus.RENDERING, claim="another-run")
    RenderTask().on_failure(OSError("storage down"), "task-id", (job.pk,), {}, None)
    job.refresh_from_db()
    assert job.status == JobStatus.RENDERING and job.claim == "another-run"

    RenderJob.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED, claim="")
    RenderTask().on_failure(OSError("storage down"), "task-id", (job.pk,), {}, None)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error == "OSError: storage down"


@pytest.mark.parametrize("remote", ["", "unix:/run/gunicorn.sock", "not-an-address"])
def test_a_request_without_a_usable_peer_address_is_rate_limited_in_one_bucket(remote):
    request = RequestFactory().get("/", REMOTE_ADDR=remote)
    assert client_ip(request) == "0.0.0.0"
