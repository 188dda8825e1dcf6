import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.production.conftest import OTHER_SHOWROOM, SHOWROOM
from tests.production.s3server import s3_server

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import configure_r2_cors  # noqa: E402

BUCKET = "panoconfig-tiles"


@pytest.fixture(scope="module")
def r2():
    with s3_server() as endpoint:
        env = {
            "R2_BUCKET": BUCKET,
            "R2_ENDPOINT_URL": endpoint,
            "R2_ACCESS_KEY_ID": "testing",
            "R2_SECRET_ACCESS_KEY": "testing",
        }
        client = boto3.client(
            "s3", endpoint_url=endpoint, aws_access_key_id="testing",
            aws_secret_access_key="testing", region_name="us-east-1",
        )
        client.create_bucket(Bucket=BUCKET)
        yield client, env


def run_script(env, *args):
    return subprocess.run(
        [str(ROOT / "scripts" / "configure-r2-cors.sh"), *args],
        env={**os.environ, **env, "PYTHON": sys.executable},
        capture_output=True, text=True, timeout=60,
    )


def test_the_script_puts_get_and_head_for_the_given_origins(r2):
    client, env = r2
    result = run_script(env, "--origin", SHOWROOM, "--origin", OTHER_SHOWROOM)
    assert result.returncode == 0, result.stderr
    rules = client.get_bucket_cors(Bucket=BUCKET)["CORSRules"]
    assert len(rules) == 1
    assert sorted(rules[0]["AllowedOrigins"]) == sorted([SHOWROOM, OTHER_SHOWROOM])
    assert sorted(rules[0]["AllowedMethods"]) == ["GET", "HEAD"]
    assert rules[0]["MaxAgeSeconds"] == 86400


@pytest.mark.django_db
def test_origins_come_from_active_tenants_in_the_database(r2, acme, globex):
    from tenants.models import Tenant

    Tenant.objects.filter(pk=globex.pk).update(is_active=False)
    client, env = r2
    origins = configure_r2_cors.origins_from_db()
    assert origins == [SHOWROOM]
    configure_r2_cors.apply_cors(client=client, bucket=BUCKET, origins=origins)
    assert client.get_bucket_cors(Bucket=BUCKET)["CORSRules"][0]["AllowedOrigins"] == [SHOWROOM]


def test_no_origin_removes_the_policy(r2):
    client, env = r2
    configure_r2_cors.apply_cors(client=client, bucket=BUCKET, origins=[SHOWROOM])
    configure_r2_cors.apply_cors(client=client, bucket=BUCKET, origins=[])
    with pytest.raises(ClientError, match="NoSuchCORSConfiguration"):
        client.get_bucket_cors(Bucket=BUCKET)


def test_a_malformed_origin_is_refused_before_touching_the_bucket(r2):
    client, env = r2
    configure_r2_cors.apply_cors(client=client, bucket=BUCKET, origins=[SHOWROOM])
    result = run_script(env, "--origin", "https://evil.example/path")
    assert result.returncode != 0 and "not an origin" in result.stderr
    assert client.get_bucket_cors(Bucket=BUCKET)["CORSRules"][0]["AllowedOrigins"] == [SHOWROOM]


def test_dry_run_prints_the_policy_and_changes_nothing(r2):
    client, env = r2
    configure_r2_cors.apply_cors(client=client, bucket=BUCKET, origins=[SHOWROOM])
    result = run_script(env, "--dry-run", "--origin", OTHER_SHOWROOM)
    assert json.loads(result.stdout)["CORSRules"][0]["AllowedOrigins"] == [OTHER_SHOWROOM]
    assert client.get_bucket_cors(Bucket=BUCKET)["CORSRules"][0]["AllowedOrigins"] == [SHOWROOM]


def test_missing_credentials_stop_the_script(r2):
    _, env = r2
    result = run_script({**env, "R2_SECRET_ACCESS_KEY": ""}, "--origin", SHOWROOM)
    assert result.returncode != 0 and "R2_SECRET_ACCESS_KEY" in result.stderr
