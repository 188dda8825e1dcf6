import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "SECRET_KEY": "k3y-" + "f9A2bX7qLm0Z" * 5,
    "ALLOWED_HOSTS": "configurator.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://configurator.example.com",
    "DATABASE_URL": "sqlite:///:memory:",
    "REDIS_URL": "redis://127.0.0.1:6379/4",
    "R2_BUCKET": "panoconfig-tiles",
    "R2_ENDPOINT_URL": "https://account.r2.cloudflarestorage.com",
    "R2_ACCESS_KEY_ID": "id",
    "R2_SECRET_ACCESS_KEY": "secret",
    "R2_PUBLIC_URL": "https://tiles.example.com",
    "TRUSTED_PROXY_HOPS": "1",
    "STATIC_MANIFEST": "0",
}
_INHERITED = {"SECURE_SSL_REDIRECT", "SECURE_COOKIES", "SECURE_HSTS_SECONDS", "DJANGO_DEBUG", "PANOCONFIG_VAR_DIR"}


def manage(*args, **extra_env):
    env = {k: v for k, v in os.environ.items() if k not in _INHERITED}
    env.update(PRODUCTION_ENV, **extra_env)
    env["PANOCONFIG_VAR_DIR"] = os.environ["PANOCONFIG_VAR_DIR"]
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_production_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_fails_when_a_protection_is_turned_off():
    result = manage("check", "--deploy", "--fail-level", "WARNING", SECURE_HSTS_SECONDS="0")
    assert result.returncode != 0
    assert "security.W004" in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
