"""The production-like stack of a load or fault run: environment, seed data, HTTP helpers.

The driver process configures Django with the same environment as the gunicorn and
Celery processes it starts, so it can seed data and check rows directly.
"""

import os
import secrets
import time
from pathlib import Path

import requests

TENANT = "load"
# Requests arrive as through Render's TLS-terminating proxy (SECURE_SSL_REDIRECT is on).
PROXIED = {"X-Forwarded-Proto": "https"}


def production_env(*, run_dir, database_url, redis_url, s3=None, settings_module="panoconfig.settings", extra=None):
    """Production settings (DEBUG off, JSON logs, SSL redirect, secure cookies) on loopback services."""
    run_dir = Path(run_dir)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": "reliability-" + secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "PANOCONFIG_VAR_DIR": str(run_dir / "var"),
        "MEDIA_ROOT": str(run_dir / "media"),
        "PANOCONFIG_PREPARED_DIR": str(run_dir / "prepared"),
        "LOG_LEVEL": "WARNING",
        # As render.yaml sets it: a new PostgreSQL connection per request costs more than the view.
        "DATABASE_CONN_MAX_AGE": os.environ.get("DATABASE_CONN_MAX_AGE", "60"),
    }
    for key in [k for k in env if k.startswith("R2_")]:
        del env[key]
    if s3:
        env.update({
            "R2_BUCKET": s3["bucket"], "R2_ENDPOINT_URL": s3["endpoint"], "R2_ACCESS_KEY_ID": "reliability",
            "R2_SECRET_ACCESS_KEY": "reliability-secret", "R2_PUBLIC_URL": f"{s3['public']}/{s3['bucket']}",
        })
    env.update(extra or {})
    return env


def setup_django(env):
    """Configure this process's Django from a run's environment (once per process)."""
    os.environ.clear()
    os.environ.update(env)
    import django

    django.setup()


def seed_scene(*, tenant_slug, slug, layers, options, size):
    """A tenant (created once) and a published scene of solid colours; preparation is queued."""
    from tenants.models import Tenant
    from tests import factories

    tenant = Tenant.objects.filter(slug=tenant_slug).first() or factories.make_tenant(tenant_slug)
    return factories.make_scene(tenant, slug=slug, layers=layers, options=options, size=size)


def wait_for(probe, *, timeout, what, interval=0.25):
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = probe()
            if value:
                return value
        except (requests.RequestException, OSError) as error:
            last_error = error
        time.sleep(interval)
    raise AssertionError(f"{what}: not within {timeout} s (last error: {last_error})")


def wait_scene_ready(scene, timeout=180):
    from catalog.models import PreparationStatus

    def prepared():
        scene.refresh_from_db()
        if scene.preparation_status == PreparationStatus.FAILED:
            raise AssertionError(f"scene {scene.slug} preparation failed: {scene.preparation_error}")
        return scene.preparation_status == PreparationStatus.READY

    wait_for(prepared, timeout=timeout, what=f"scene {scene.slug} prepared")


def selections(scene, count, *, skip=0):
    """``count`` distinct selections of the scene (every combination, in a fixed order)."""
    from renders.combinations import combinations_all

    found = []
    for index, combination in enumerate(combinations_all(scene=scene)):
        if index < skip:
            continue
        if len(found) == count:
            break
        found.append(dict(combination.selection))
    if len(found) < count:
        raise AssertionError(f"scene {scene.slug} has fewer than {count + skip} combinations")
    return found


class Api:
    def __init__(self, base_url, tenant=TENANT):
        self.base, self.tenant = base_url.rstrip("/"), tenant
        self.session = requests.Session()

    def post_render(self, scene, selection, timeout=30):
        return self.session.post(f"{self.base}/api/v1/tenants/{self.tenant}/renders",
                                 json={"scene": scene, "selection": selection}, headers=PROXIED, timeout=timeout)

    def get(self, path, timeout=30):
        return self.session.get(self.base + path, headers=PROXIED, timeout=timeout)

    def render_until_ready(self, scene, selection, timeout=240):
        answer = self.post_render(scene, selection)
        if answer.status_code not in (200, 202):
            raise AssertionError(f"render POST answered {answer.status_code}: {answer.text[:300]}")
        status_url = answer.json()["status_url"]

        def ready():
            body = self.get(status_url).json()
            if body["status"] == "failed":
                raise AssertionError(f"render failed: {body}")
            return body if body["status"] == "ready" else None

        return wait_for(ready, timeout=timeout, what=f"render of {selection} ready")
