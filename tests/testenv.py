"""Loaded with -p before Django's settings: the environment the test suite runs in.

Only defaults: a variable already set (DATABASE_URL, REDIS_URL in CI) wins.
"""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("STATIC_MANIFEST", "false")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
# Every test's reads come from one address within the same minutes; tests of the limit lower it.
os.environ.setdefault("PANOCONFIG_READ_RATE_PER_IP", "1000000/m")
os.environ.setdefault("PANOCONFIG_VAR_DIR", tempfile.mkdtemp(prefix="panoconfig-test-"))
