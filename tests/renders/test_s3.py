"""The R2 path end to end: the settings' S3 block, django-storages and boto3 against moto's S3 server."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from PIL import Image

from renders.models import RenderJob
from tests.renders.conftest import render_url, run_queued_jobs

MOTO_PORT = 8231
ENDPOINT = f"http://127.0.0.1:{MOTO_PORT}"
BUCKET = "panoconfig-tiles"
R2_ENV = {
    "R2_BUCKET": BUCKET,
    "R2_ENDPOINT_URL": ENDPOINT,
    "R2_ACCESS_KEY_ID": "test-access-key",
    "R2_SECRET_ACCESS_KEY": "test-secret-key",
    "R2_PUBLIC_URL": "https://tiles.cdn.example.test",
}


@pytest.fixture(scope="module")
def moto_s3():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=MOTO_PORT, verbose=False)
    server.start()
    client = boto3.client(
        "s3", endpoint_url=ENDPOINT, region_name="us-east-1",
        aws_access_key_id=R2_ENV["R2_ACCESS_KEY_ID"], aws_secret_access_key=R2_ENV["R2_SECRET_ACCESS_KEY"],
    )
    client.create_bucket(Bucket=BUCKET)
    yield client
    server.stop()


def tiles_storage_from_settings():
    """STORAGES["tiles"] exactly as panoconfig/settings.py builds it from R2_* variables."""
    code = "import json, panoconfig.settings as s; print(json.dumps(s.STORAGES['tiles']))"
    env = {**os.environ, **R2_ENV, "DJANGO_DEBUG": "false", "SECRET_KEY": "x" * 50}
    output = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=Path(__file__).resolve().parents[2],
        capture_output=True, text=True, check=True,
    ).stdout
    return json.loads(output)


@pytest.mark.django_db
def test_tiles_go_to_s3_with_the_immutable_cache_header_and_cdn_urls(client, settings, owner_tenant, scene, moto_s3):
    tiles = tiles_storage_from_settings()
    assert tiles["BACKEND"] == "storages.backends.s3.S3Storage"
    assert tiles["OPTIONS"]["region_name"] == "auto"
    assert tiles["OPTIONS"]["custom_domain"] == "tiles.cdn.example.test"
    settings.STORAGES = {**settings.STORAGES, "tiles": tiles}

    assert client.post(render_url(owner_tenant), {"scene": "kitchen"}, content_type="application/json").status_code == 202
    run_queued_jobs()
    job = RenderJob.objects.get()
    assert job.status == "ready", job.error
    data = client.post(render_url(owner_tenant), {"scene": "kitchen"}, content_type="application/json").json()

    assert len(data["viewer"]["tiles"]) == 6
    for path, url in data["viewer"]["tiles"].items():
        key = job.tile_keys[path]
        assert url == f"https://tiles.cdn.example.test/t/{key}.jpg"
        head = moto_s3.head_object(Bucket=BUCKET, Key=f"t/{key}.jpg")
        assert head["CacheControl"] == "public, max-age=31536000, immutable"
        assert head["ContentType"] == "image/jpeg"
    body = moto_s3.get_object(Bucket=BUCKET, Key=f"t/{job.tile_keys['f/0/0/0']}.jpg")["Body"].read()
    assert Image.open(io.BytesIO(body)).size == (512, 512)
    # The health check reaches the bucket too.
    assert client.get("/api/v1/health").json()["checks"]["storage"] == "ok"


@pytest.mark.django_db
def test_health_fails_when_the_bucket_is_unreachable(client, settings):
    tiles = tiles_storage_from_settings()
    tiles["OPTIONS"]["endpoint_url"] = "http://127.0.0.1:8299"  # nothing listens there
    settings.STORAGES = {**settings.STORAGES, "tiles": tiles}
    response = client.get("/api/v1/health")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"].startswith("error")
