"""Panoconfig settings: every value comes from the environment.

With nothing set, the project runs on embedded defaults (SQLite and media under
var/, a file-system Celery broker, an in-process cache). Production swaps in
PostgreSQL, Redis and R2 through DATABASE_URL, REDIS_URL and R2_* alone.
"""

from pathlib import Path

import dj_database_url

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
    "tenants",
    "catalog",
    "renders",
    "totem",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # A broker that needs no server: kombu's file-system transport under var/.
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "broker" / "queue"),
        "data_folder_out": str(VAR_DIR / "broker" / "queue"),
        "processed_folder": str(VAR_DIR / "broker" / "processed"),
        # Where kombu keeps which queues an exchange feeds (else ./control in the cwd).
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
PANOCONFIG_UPLOAD_THREADS = env_int("PANOCONFIG_UPLOAD_THREADS", 4, minimum=1)
PANOCONFIG_JPEG_QUALITY = env_int("PANOCONFIG_JPEG_QUALITY", 85, minimum=1)
PANOCONFIG_PREWARM_CAP = env_int("PANOCONFIG_PREWARM_CAP", 1000, minimum=1)
# Keyed checksum of share codes; SECRET_KEY when unset.
PANOCONFIG_SHARE_KEY = env_secret("PANOCONFIG_SHARE_KEY", required=False)
# django-ratelimit rates ("count/period") for render and still POSTs.
PANOCONFIG_RATE_PER_IP = env_str("PANOCONFIG_RATE_PER_IP", "60/m")
PANOCONFIG_RATE_PER_TENANT = env_str("PANOCONFIG_RATE_PER_TENANT", "600/m")
# Behind a proxy, name the header holding the client address (e.g. HTTP_X_FORWARDED_FOR).
RATELIMIT_IP_META_KEY = env_str("RATELIMIT_IP_META_KEY") or None

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
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Panoconfig API",
    "DESCRIPTION": "Tenant configuration and 360° render jobs for showroom totems.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS", "POST"]

# --- Security (tightened further by the production issue) ---------------------

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
