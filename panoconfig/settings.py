"""Panoconfig settings: every value comes from the environment.

With nothing set, the project runs on embedded defaults (SQLite and media under
var/, a file-system Celery broker, an in-process cache). Production swaps in
PostgreSQL, Redis and R2 through DATABASE_URL, REDIS_URL and R2_* alone.
"""

from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from kombu import Queue

from panoconfig.env import env_bool, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PANOCONFIG_VAR_DIR", str(BASE_DIR / "var")))

# --- Core -------------------------------------------------------------------

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_secret(
    "SECRET_KEY",
    required=not DEBUG,
    fallback="django-insecure-development-only-key-never-used-in-production",
)
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "tenants",
    "catalog",
    "renders",
    "totem",
]

# Order matters where responses are concerned: a response passes the list bottom-up,
# so TotemFramingMiddleware (last) marks the totem page before CSP and X-Frame-Options
# write their headers, and the body limit sits inside CORS so a 413 stays readable.
MIDDLEWARE = [
    # First, so every response (HTTPS redirects included) carries its request id.
    "panoconfig.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "panoconfig.security.BodySizeLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "panoconfig.security.AdminLoginRateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "panoconfig.security.TotemFramingMiddleware",
]

ROOT_URLCONF = "panoconfig.urls"
WSGI_APPLICATION = "panoconfig.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0, minimum=0),
        # With persistent connections, check one before reuse so a database restart costs
        # one reconnect instead of a failed request.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web server and worker share the file: wait for a lock instead of failing at once.
    # IMMEDIATE takes the write lock when a transaction starts, so concurrent writers
    # queue on the timeout instead of failing at once on a read-to-write upgrade.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
    # A file, not memory: worker processes started by tests must see the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery ---------------------------------------------------------

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "panoconfig.cache.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    # With acks_late, Redis re-delivers a task not acknowledged within the visibility
    # timeout: it must outlast the hard time limit or a long render runs twice.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_TASK_TIME_LIMIT", 900, minimum=1) + 300,
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # A broker that needs no server: kombu's file-system transport under var/, writing each
    # message whole (panoconfig.broker).
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT = "panoconfig.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "broker" / "queue"),
        "data_folder_out": str(VAR_DIR / "broker" / "queue"),
        "processed_folder": str(VAR_DIR / "broker" / "processed"),
        # Where kombu records which queues each exchange feeds (else ./control).
        "control_folder": str(VAR_DIR / "broker" / "control"),
        "store_processed": False,
        # kombu polls the folder; its default of 1 s would add up to a second to every render.
        "polling_interval": 0.1,
    }

CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Three queues so a burst of full renders never delays a still or a scene preparation;
# a worker started without -Q consumes all three. Routes go by task name (tasks end in
# `_task`); the first pattern that matches wins.
CELERY_TASK_DEFAULT_QUEUE = "renders"
CELERY_TASK_QUEUES = [Queue("renders"), Queue("stills"), Queue("prepare")]
CELERY_TASK_ROUTES = (
    [
        ("*.tasks.*still*", {"queue": "stills"}),
        ("*.tasks.*prepare*", {"queue": "prepare"}),
        ("renders.tasks.*", {"queue": "renders"}),
    ],
)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 840, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 900, minimum=1)
if CELERY_TASK_SOFT_TIME_LIMIT >= CELERY_TASK_TIME_LIMIT:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("CELERY_TASK_SOFT_TIME_LIMIT must be below CELERY_TASK_TIME_LIMIT")
# Resident memory (KiB) after which a worker child is replaced: numpy buffers of big
# panoramas fragment the heap. 0 turns the recycling off.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env_int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", 0, minimum=0) or None
CELERY_WORKER_CONCURRENCY = env_int("CELERY_WORKER_CONCURRENCY", 0, minimum=0) or None
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Storage ------------------------------------------------------------------

MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
TILES_URL = "/tiles/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_URL = "/static/"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Marzipano as npm installed it (`npm ci`): served, never copied by hand or loaded from a CDN.
    ("vendor/marzipano", BASE_DIR / "node_modules" / "marzipano" / "dist"),
]

R2_BUCKET = env_str("R2_BUCKET")
R2_PUBLIC_URL = env_str("R2_PUBLIC_URL")
TILE_CACHE_CONTROL = "public, max-age=31536000, immutable"

if R2_BUCKET:
    from botocore.config import Config as BotoConfig

    # django-storages' default client config for both aliases. botocore waits 60 s on a silent
    # connection by default: a stalled upload would hold a render that long per attempt. Fail
    # fast instead; the render task retries with backoff. (A given config replaces the one
    # django-storages would build, hence addressing style and signature here too.)
    AWS_S3_CLIENT_CONFIG = BotoConfig(
        s3={"addressing_style": env_str("R2_ADDRESSING_STYLE", "path")},
        signature_version="s3v4",
        connect_timeout=env_int("R2_CONNECT_TIMEOUT", 5, minimum=1),
        read_timeout=env_int("R2_READ_TIMEOUT", 20, minimum=1),
        retries={"max_attempts": 3, "mode": "standard"},
    )
    _tiles_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": R2_BUCKET,
            "endpoint_url": env_secret("R2_ENDPOINT_URL", required=True),
            "access_key": env_secret("R2_ACCESS_KEY_ID", required=True),
            "secret_key": env_secret("R2_SECRET_ACCESS_KEY", required=True),
            "region_name": env_str("R2_REGION", "auto"),
            "signature_version": "s3v4",
            "addressing_style": env_str("R2_ADDRESSING_STYLE", "path"),
            "custom_domain": R2_PUBLIC_URL.removeprefix("https://").removeprefix("http://").rstrip("/") or None,
            "url_protocol": "http:" if R2_PUBLIC_URL.startswith("http://") else "https:",
            "querystring_auth": False,
            "default_acl": None,
            "file_overwrite": True,
            "object_parameters": {"CacheControl": TILE_CACHE_CONTROL},
        },
    }
else:
    _tiles_storage = {
        "BACKEND": "renders.tilestore.TileFileSystemStorage",
        # Tiles are content addressed: the same name always holds the same bytes.
        "OPTIONS": {"location": str(MEDIA_ROOT / "tiles"), "base_url": TILES_URL, "allow_overwrite": True},
    }

STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": MEDIA_URL},
    },
    "tiles": _tiles_storage,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        ),
    },
}
if R2_BUCKET:
    # The web service and the workers run on separate machines with throwaway disks, so
    # uploads (panoramas, masks, materials) live in the bucket too, under media/ and
    # always under fresh random names (catalog.uploads), hence the same immutable caching.
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {**_tiles_storage["OPTIONS"], "location": "media", "file_overwrite": False},
    }

# --- Uploads and images -------------------------------------------------------

PANOCONFIG_MAX_UPLOAD_MB = env_int("PANOCONFIG_MAX_UPLOAD_MB", 50, minimum=1)
# Decoded pixels an uploaded image may hold (a 16384x8192 panorama is 134 Mpx).
PANOCONFIG_MAX_IMAGE_PIXELS = env_int("PANOCONFIG_MAX_IMAGE_PIXELS", 16384 * 8192, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024, minimum=1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
PANOCONFIG_PREPARED_DIR = Path(env_str("PANOCONFIG_PREPARED_DIR", str(VAR_DIR / "prepared")))

# --- Renders ------------------------------------------------------------------

# A job whose worker has not reported for this long is taken over when asked for again.
PANOCONFIG_RENDER_STALE_SECONDS = env_int("PANOCONFIG_RENDER_STALE_SECONDS", 60, minimum=1)
PANOCONFIG_RENDER_SOFT_TIME_LIMIT = env_int("PANOCONFIG_RENDER_SOFT_TIME_LIMIT", 600, minimum=1)
PANOCONFIG_RENDER_HARD_TIME_LIMIT = env_int("PANOCONFIG_RENDER_HARD_TIME_LIMIT", 660, minimum=1)
# A failed job is tried again when asked for after this long.
PANOCONFIG_RENDER_RETRY_FAILED_SECONDS = env_int("PANOCONFIG_RENDER_RETRY_FAILED_SECONDS", 60, minimum=0)
# Retries (exponential backoff from 2 s, capped at 60 s, jittered) of a render whose tile
# storage failed: 8 ride out an R2 outage of a minute or more before the job is failed.
PANOCONFIG_RENDER_STORAGE_RETRIES = env_int("PANOCONFIG_RENDER_STORAGE_RETRIES", 8, minimum=0)
PANOCONFIG_UPLOAD_THREADS = env_int("PANOCONFIG_UPLOAD_THREADS", 4, minimum=1)
PANOCONFIG_JPEG_QUALITY = env_int("PANOCONFIG_JPEG_QUALITY", 85, minimum=1)
PANOCONFIG_PREWARM_CAP = env_int("PANOCONFIG_PREWARM_CAP", 1000, minimum=1)
# Keyed checksum of share codes; SECRET_KEY when unset.
PANOCONFIG_SHARE_KEY = env_secret("PANOCONFIG_SHARE_KEY", required=False)
# django-ratelimit rates ("count/period") for render and still POSTs.
PANOCONFIG_RATE_PER_IP = env_str("PANOCONFIG_RATE_PER_IP", "60/m")
PANOCONFIG_RATE_PER_TENANT = env_str("PANOCONFIG_RATE_PER_TENANT", "600/m")
# Reads of the tenant API (config, render and still status, QR codes), per client.
PANOCONFIG_READ_RATE_PER_IP = env_str("PANOCONFIG_READ_RATE_PER_IP", "3000/m")
# The client address for the per-IP limits: see TRUSTED_PROXY_HOPS under Security.

# --- Auth, i18n ---------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("pt-br", "Português (Brasil)")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- API ----------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Anonymous totems pass; a tenant with require_api_key needs its own key (tenants.api_auth).
    "DEFAULT_AUTHENTICATION_CLASSES": ["tenants.api_auth.TenantApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["tenants.api_auth.HasTenantApiKey"],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Panoconfig API",
    "DESCRIPTION": "Tenant configuration and 360° render jobs for showroom totems.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from our own static files (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS", "POST"]

# --- Security -------------------------------------------------------------------
# Production differs from development by environment only: with DJANGO_DEBUG unset
# every protection below is on, and `check --deploy` is clean (tests/production).

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# The health check is probed over plain HTTP from inside the platform.
SECURE_REDIRECT_EXEMPT = [r"^api/v1/health$"]
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
# Only the registrable domain can be put on the preload list; on our own subdomain the
# directive just says we would agree.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# How many reverse proxies append to X-Forwarded-For in front of the app (Render's
# load balancer: 1; Cloudflare in front of it: 2). 0 trusts only REMOTE_ADDR.
TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 0, minimum=0)
RATELIMIT_IP_META_KEY = "panoconfig.client_ip.client_ip"
ADMIN_LOGIN_RATE = env_str("ADMIN_LOGIN_RATE", "10/m")

# Bodies above these sizes are refused with 413 before any view reads them. Admin
# forms carry panorama uploads, so they get their own (larger) ceiling.
PANOCONFIG_ADMIN_MAX_BODY_MB = env_int("PANOCONFIG_ADMIN_MAX_BODY_MB", 256, minimum=1)

# CORS: no global allow-list. tenants.cors answers django-cors-headers'
# check_request_enabled signal from each tenant's AllowedOrigin rows.
CORS_URLS_REGEX = r"^/(api/v1/tenants/|tiles/)"
CORS_ALLOWED_ORIGINS = []
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_HEADERS = ["accept", "authorization", "content-type", "x-api-key", "x-request-id"]
CORS_EXPOSE_HEADERS = ["Retry-After", "X-Request-ID"]
CORS_PREFLIGHT_MAX_AGE = 3600


def _origin_of(url):
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


_TILE_ORIGINS = [o for o in [_origin_of(R2_PUBLIC_URL), _origin_of(env_str("R2_ENDPOINT_URL"))] if o]

# CSP: scripts only from this origin or carrying the per-response nonce; frames only
# where a tenant embeds its totem (TotemFramingMiddleware widens frame-ancestors).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        # Inline style attributes only (the admin has a few); no script can come this way.
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:", *_TILE_ORIGINS],
        "connect-src": [SELF, *_TILE_ORIGINS],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Logging and error reporting -------------------------------------------------

LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, got {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "panoconfig.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "panoconfig.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # pyvips logs every thread pool it finishes at INFO.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "pyvips": {"level": "WARNING"}},
}

SENTRY_DSN = env_secret("SENTRY_DSN", required=False)
if SENTRY_DSN:
    from panoconfig.sentry import init_sentry

    init_sentry(dsn=SENTRY_DSN, environment=env_str("SENTRY_ENVIRONMENT", "production"))
