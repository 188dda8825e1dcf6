import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import boto3
import pytest

from tests.production.s3server import s3_server

ROOT = Path(__file__).resolve().parents[2]
PG = "postgres://postgres@127.0.0.1:5432"


def run(script, *args, env):
    return subprocess.run(
        [str(ROOT / "scripts" / script), *args], env={**os.environ, **env, "PYTHON": sys.executable},
        capture_output=True, text=True, timeout=120,
    )


def psql(database, sql):
    result = subprocess.run(
        ["psql", f"{PG}/{database}", "-v", "ON_ERROR_STOP=1", "-tAc", sql],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def postgres_available():
    if not (shutil.which("pg_dump") and shutil.which("psql")):
        return False
    probe = subprocess.run(["psql", f"{PG}/postgres", "-tAc", "select 1"], capture_output=True, timeout=10)
    return probe.returncode == 0


@pytest.fixture
def scratch_databases():
    if not postgres_available():
        pytest.skip("needs PostgreSQL on 127.0.0.1:5432 and its client tools")
    names = [f"panoconfig_production_{kind}_{uuid.uuid4().hex[:8]}" for kind in ("src", "dst")]
    for name in names:
        psql("postgres", f"CREATE DATABASE {name}")
    yield names
    for name in names:
        psql("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_a_database_dump_restores_into_another_database(scratch_databases, tmp_path):
    source, target = scratch_databases
    psql(source, "CREATE TABLE tenant (slug text primary key); INSERT INTO tenant VALUES ('acme'), ('globex')")
    dump = tmp_path / "backups" / "panoconfig.dump"
    backup = run("backup-db.sh", str(dump), env={"DATABASE_URL": f"{PG}/{source}"})
    assert backup.returncode == 0, backup.stderr
    assert dump.read_bytes()[:5] == b"PGDMP"
    restore = run("restore-db.sh", str(dump), env={"DATABASE_URL": f"{PG}/{target}"})
    assert restore.returncode == 0, restore.stderr
    assert psql(target, "SELECT string_agg(slug, ',' ORDER BY slug) FROM tenant") == "acme,globex"
    # Restoring again over existing objects replaces them instead of failing.
    assert run("restore-db.sh", str(dump), env={"DATABASE_URL": f"{PG}/{target}"}).returncode == 0


def test_the_tile_bucket_backs_up_to_a_folder_and_restores_from_it(tmp_path):
    with s3_server() as endpoint:
        env = {"R2_BUCKET": "tiles", "R2_ENDPOINT_URL": endpoint, "R2_ACCESS_KEY_ID": "k", "R2_SECRET_ACCESS_KEY": "s"}
        client = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="k",
                              aws_secret_access_key="s", region_name="us-east-1")
        client.create_bucket(Bucket="tiles")
        tiles = {"t/aa.jpg": b"\xff\xd8tile-a", "t/bb.jpg": b"\xff\xd8tile-bb"}
        for key, body in tiles.items():
            client.put_object(Bucket="tiles", Key=key, Body=body)

        first = run("sync-bucket.sh", "backup", str(tmp_path / "tiles"), env=env)
        assert first.returncode == 0, first.stderr
        assert "2 objects copied" in first.stdout
        assert (tmp_path / "tiles" / "t" / "bb.jpg").read_bytes() == tiles["t/bb.jpg"]
        assert "0 objects copied, 2 already there" in run("sync-bucket.sh", "backup", str(tmp_path / "tiles"), env=env).stdout

        client.delete_object(Bucket="tiles", Key="t/aa.jpg")
        restored = run("sync-bucket.sh", "restore", str(tmp_path / "tiles"), env=env)
        assert "1 objects copied, 1 already there" in restored.stdout
        head = client.head_object(Bucket="tiles", Key="t/aa.jpg")
        assert head["CacheControl"] == "public, max-age=31536000, immutable"
        assert head["ContentType"] == "image/jpeg"
        assert client.get_object(Bucket="tiles", Key="t/aa.jpg")["Body"].read() == tiles["t/aa.jpg"]


def test_an_object_key_cannot_escape_the_backup_folder(tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    from sync_bucket import _safe_local_path

    assert _safe_local_path(tmp_path, "t/aa.jpg") == tmp_path / "t" / "aa.jpg"
    for key in ("../etc/passwd", "/abs.jpg", "t/../../x.jpg", ""):
        with pytest.raises(ValueError):
            _safe_local_path(tmp_path, key)
