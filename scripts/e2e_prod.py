"""Driver of `make e2e-prod` (started by scripts/e2e_prod.sh, which sets the environment).

    e2e_prod.py wait-s3   wait for the S3 server, create the bucket
    e2e_prod.py run       seed a tenant and a scene, then check the live stack over HTTP

Every check raises on failure; the figures measured are printed at the end.
"""

import json
import os
import sys
import time
import uuid
from pathlib import Path

import boto3
import requests
from botocore.exceptions import EndpointConnectionError

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WEB = os.environ.get("E2E_WEB_URL", "")
TENANT, SCENE = "e2e", "kitchen"
ORIGIN, FOREIGN = "https://showroom.e2e.example", "https://evil.example"
# Requests arrive as through Render's TLS-terminating proxy.
PROXIED = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}
JPEG = b"\xff\xd8\xff"


def check(condition, message):
    if not condition:
        raise SystemExit(f"FAILED: {message}")
    print(f"  ok  {message}")


def s3():
    return boto3.client(
        "s3", endpoint_url=os.environ["R2_ENDPOINT_URL"], region_name="us-east-1",
        aws_access_key_id=os.environ["R2_ACCESS_KEY_ID"], aws_secret_access_key=os.environ["R2_SECRET_ACCESS_KEY"],
    )


def wait_for(probe, *, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if probe():
                return
        except (requests.ConnectionError, EndpointConnectionError, OSError):
            pass
        time.sleep(0.25)
    raise SystemExit(f"FAILED: {what} within {timeout} s")


def wait_s3():
    client = s3()
    wait_for(lambda: client.list_buckets() is not None, timeout=30, what="S3 server up")
    bucket = os.environ["R2_BUCKET"]
    client.create_bucket(Bucket=bucket)
    # R2 serves the bucket publicly through its custom domain; here a public-read policy
    # lets anonymous GETs through as the CDN would.
    client.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                       "Resource": f"arn:aws:s3:::{bucket}/*"}],
    }))


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panoconfig.settings")
    import django

    django.setup()


def seed():
    """A tenant with an allowed origin, a kiosk key, and a small published scene."""
    from tenants.api_keys import api_key_create
    from tenants.models import AllowedOrigin
    from tests import factories

    tenant = factories.make_tenant(TENANT, name="E2E Showroom")
    AllowedOrigin.objects.create(tenant=tenant, origin=ORIGIN)
    # 4096x2048: cube faces of 1024, so two levels (512, 1024) and 30 tiles per combination.
    scene = factories.make_scene(tenant, slug=SCENE, layers=2, options=3, size=(4096, 2048))
    _, raw_key = api_key_create(tenant=tenant, name="e2e kiosk")
    return tenant, scene, raw_key


def wait_prepared(scene):
    from catalog.models import PreparationStatus

    def prepared():
        scene.refresh_from_db()
        if scene.preparation_status == PreparationStatus.FAILED:
            raise SystemExit(f"FAILED: scene preparation: {scene.preparation_error}")
        return scene.preparation_status == PreparationStatus.READY

    wait_for(prepared, timeout=120, what="scene prepared by the worker")
    print("  ok  scene prepared by the worker (uploads read back from the S3 bucket)")


def get(path, **headers):
    return requests.get(WEB + path, headers={**PROXIED, **headers}, allow_redirects=False, timeout=30)


def post(path, json=None, data=None, **headers):
    return requests.post(WEB + path, json=json, data=data, headers={**PROXIED, **headers},
                         allow_redirects=False, timeout=30)


def check_health():
    response = get("/api/v1/health")
    check(response.status_code == 200, f"health 200 ({response.text})")
    check(set(response.json()["checks"].values()) == {"ok"}, "health: database, broker, storage ok")


def check_security_headers():
    response = get("/admin/login/")
    check(response.status_code == 200, "admin login page over the proxy")
    check(response.headers["Strict-Transport-Security"].startswith("max-age=31536000"), "HSTS")
    check(response.headers["X-Content-Type-Options"] == "nosniff", "nosniff")
    check(response.headers["Referrer-Policy"] == "same-origin", "Referrer-Policy")
    check(response.headers["X-Frame-Options"] == "DENY", "X-Frame-Options DENY")
    check("frame-ancestors 'none'" in response.headers["Content-Security-Policy"], "CSP frame-ancestors")
    check("Secure" in response.headers.get("Set-Cookie", ""), "cookies marked Secure")
    plain = requests.get(WEB + "/admin/login/", allow_redirects=False, timeout=30)
    check(plain.status_code == 301 and plain.headers["Location"].startswith("https://"), "plain HTTP redirected")


def check_cors():
    path = f"/api/v1/tenants/{TENANT}/config"
    allowed = get(path, Origin=ORIGIN)
    check(allowed.status_code == 200 and allowed.headers.get("Access-Control-Allow-Origin") == ORIGIN,
          "CORS answered for the tenant's origin")
    foreign = get(path, Origin=FOREIGN)
    check("Access-Control-Allow-Origin" not in foreign.headers, "CORS withheld from a foreign origin")


def one_layer_change():
    """A selection that differs from the default in the first layer only."""
    scene = next(s for s in get(f"/api/v1/tenants/{TENANT}/config").json()["scenes"] if s["slug"] == SCENE)
    layer = scene["layers"][0]
    other = next(o["code"] for o in layer["options"] if o["code"] != layer["default_option"])
    return {layer["slug"]: other}


def render_and_fetch_tiles(selection):
    request_id = f"e2e-{uuid.uuid4().hex}"
    started = time.monotonic()
    response = post(f"/api/v1/tenants/{TENANT}/renders", json={"scene": SCENE, "selection": selection},
                    **{"X-Request-ID": request_id, "Origin": ORIGIN})
    check(response.status_code in (200, 202), f"render POST answered {response.status_code}")
    check(response.headers["X-Request-ID"] == request_id, "request id echoed")
    body = response.json()
    state = {}

    def ready():
        state.update(get(body["status_url"]).json())
        if state["status"] == "failed":
            raise SystemExit(f"FAILED: render failed: {state.get('error')}")
        return state["status"] == "ready"

    wait_for(ready, timeout=240, what="render ready")
    elapsed = time.monotonic() - started
    tiles = state["viewer"]["tiles"]
    check(len(tiles) == 30, f"render of {selection or 'the defaults'} ready with {len(tiles)} tiles in {elapsed:.2f} s")
    bucket_prefix = os.environ["R2_PUBLIC_URL"].rstrip("/") + "/"
    for coordinate, url in tiles.items():
        check_tile(coordinate, url, bucket_prefix, quiet=True)
    print(f"  ok  all {len(tiles)} tiles served by the S3 endpoint as immutable JPEGs")
    return request_id, elapsed, len(tiles)


def check_tile(coordinate, url, bucket_prefix, *, quiet):
    if not url.startswith(bucket_prefix):
        raise SystemExit(f"FAILED: tile {coordinate} not on the bucket's public URL: {url}")
    tile = requests.get(url, timeout=30)
    if not (tile.status_code == 200 and tile.content.startswith(JPEG)):
        raise SystemExit(f"FAILED: tile {coordinate} at {url}: {tile.status_code}")
    if tile.headers.get("Cache-Control") != "public, max-age=31536000, immutable":
        raise SystemExit(f"FAILED: tile {coordinate} Cache-Control {tile.headers.get('Cache-Control')!r}")
    if tile.headers.get("Content-Type") != "image/jpeg":
        raise SystemExit(f"FAILED: tile {coordinate} Content-Type {tile.headers.get('Content-Type')!r}")


def check_request_id_reached_the_worker(request_id):
    log = Path(os.environ["E2E_RUN_DIR"]) / "worker.log"
    wait_for(lambda: request_id in log.read_text(), timeout=20, what="request id in the worker's log")
    print("  ok  the request id reached the worker through Redis")


def check_json_access_log(request_id):
    log = Path(os.environ["E2E_RUN_DIR"]) / "web.log"
    entries = []
    for line in log.read_text().splitlines():
        if line.startswith("{"):
            entries.append(json.loads(line))  # a line that is not valid JSON fails the run
    access = [e for e in entries if e.get("type") == "access" and e.get("request_id") == request_id]
    check(len(access) == 1 and access[0]["status"] in (200, 202) and access[0]["method"] == "POST",
          "gunicorn's access log is JSON and carries the request id")


def check_api_keys(tenant, raw_key):
    from tenants.models import Tenant

    Tenant.objects.filter(pk=tenant.pk).update(require_api_key=True)
    path = f"/api/v1/tenants/{TENANT}/config"
    check(get(path).status_code == 401, "tenant requiring keys: 401 without a key")
    check(get(path, Authorization=f"Bearer {raw_key}").status_code == 200, "tenant requiring keys: 200 with its key")
    check(get(path, **{"X-Api-Key": "pcfg_aaaaaaaa_" + "x" * 43}).status_code == 401, "unknown key: 401")
    Tenant.objects.filter(pk=tenant.pk).update(require_api_key=False)


def check_body_limit():
    response = post(f"/api/v1/tenants/{TENANT}/renders", data=b"{" + b" " * (10 * 1024 * 1024 + 1) + b"}",
                    **{"Content-Type": "application/json"})
    check(response.status_code == 413, "11 MB body: 413")


def check_rate_limit():
    statuses = []
    for _ in range(80):
        response = post(f"/api/v1/tenants/{TENANT}/renders", json={"scene": SCENE, "selection": {}})
        statuses.append(response.status_code)
        if response.status_code == 429:
            check(int(response.headers["Retry-After"]) > 0, f"429 with Retry-After after {len(statuses)} POSTs")
            return
    raise SystemExit(f"FAILED: no 429 in 80 POSTs: {sorted(set(statuses))}")


def run():
    setup_django()
    tenant, scene, raw_key = seed()
    wait_for(lambda: get("/api/v1/health").status_code == 200, timeout=60, what="gunicorn answering")
    check_health()
    check_security_headers()
    wait_prepared(scene)
    check_cors()
    request_id, elapsed, tile_count = render_and_fetch_tiles({})
    check_request_id_reached_the_worker(request_id)
    check_json_access_log(request_id)
    _, changed_elapsed, _ = render_and_fetch_tiles(one_layer_change())
    check_api_keys(tenant, raw_key)
    check_body_limit()
    check_rate_limit()
    print(f"figures: POST -> ready {elapsed:.2f} s for a new combination, {changed_elapsed:.2f} s for a "
          f"one-layer change ({tile_count} tiles each, fetched from S3; 4096x2048 source, 2 levels)")


if __name__ == "__main__":
    {"wait-s3": wait_s3, "run": run}[sys.argv[1]]()
