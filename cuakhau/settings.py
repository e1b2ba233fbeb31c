"""Settings of Cửa khẩu số, read from environment variables.

Development defaults need nothing set: SQLite, DEBUG on, Celery on the local Redis when it
answers (otherwise tasks run in-process, with a warning). Production sets DEBUG=0 and at least
SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and REDIS_URL; `manage.py check --deploy` is then clean.
Every variable is listed in README.md.
"""

from __future__ import annotations

import logging
import re
import socket
from pathlib import Path
from urllib.parse import urlparse

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from cuakhau.security.secrets import refuse_weak_production_secrets

BASE_DIR = Path(__file__).resolve().parent.parent
logger = logging.getLogger("cuakhau")

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _env_bool(name: str, default: bool) -> bool:
    try:
        return env.bool(name, default=default)
    except (ValueError, TypeError) as exc:  # pragma: no cover - defensive
        raise ImproperlyConfigured(f"{name} must be a boolean (0/1, true/false)") from exc


def _env_int(name: str, default: int) -> int:
    try:
        return env.int(name, default=default)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number") from exc


DEBUG = _env_bool("DEBUG", True)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "dev-insecure-cuakhau-only-for-local-development-0123456789abcdef"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc served from our static files, no CDN
    "django_fsm",
    "auditlog",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # cross-cutting pieces (use no app of ours)
    "cuakhau.accounts",
    "cuakhau.security",
    "cuakhau.transitions",
    "cuakhau.notifications",
    # the floors of the house, bottom first
    "vehicles",
    "declarations",
    "declarations.fees",
    "queueing",
    "queueing.kiosk",
    "queueing.tracking",
    "queueing.simulation",  # capacity planning: reads and drives every floor
]

MIDDLEWARE = [
    # Before anything reads the address or a parameter: the client's address from trusted
    # proxies only, and a 400 for NUL/control characters (docs/security.md).
    "cuakhau.security.middleware.ClientAddressMiddleware",
    "cuakhau.security.middleware.HostileInputMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "cuakhau.security.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "cuakhau.security.otp.RequireSecondFactorMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "cuakhau.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A service's refusal that left a page: NotFound → 404, NotAllowed → 403, else its status.
    "cuakhau.errors.DomainErrorMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into its answer
]

ROOT_URLCONF = "cuakhau.urls"
WSGI_APPLICATION = "cuakhau.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cuakhau.notifications.context_processors.unread_count",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
try:
    DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
except (ImproperlyConfigured, KeyError, ValueError) as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from exc
# One connection per request costs an order of magnitude (PERF-NOTES); keep them, checked.
DATABASES["default"]["CONN_MAX_AGE"] = _env_int("CONN_MAX_AGE", 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web process and the worker share the embedded database.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/portal/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# --- Languages and time ---------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["cuakhau.formats"]  # Vietnamese number grouping (32.000), see there

# --- Static and uploaded files --------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
DOCUMENT_MAX_BYTES = _env_int("DOCUMENT_MAX_BYTES", 10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = DOCUMENT_MAX_BYTES + 1024 * 1024

# --- E-mail and SMS -------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Cửa khẩu số <no-reply@cuakhau.local>")
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env.str("SMS_GATEWAY_TOKEN", default="")

# --- Celery ---------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
TASKS_MODE = env.str("TASKS_MODE", default="auto")  # auto | redis | eager
if TASKS_MODE not in {"auto", "redis", "eager"}:
    raise ImproperlyConfigured("TASKS_MODE must be one of auto, redis, eager")


def _redis_answers(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), 0.3):
            return True
    except OSError:
        return False


if TASKS_MODE == "auto":
    TASKS_MODE = "redis" if _redis_answers(REDIS_URL) else "eager"
    if TASKS_MODE == "eager":
        logger.warning(
            "Redis at %s does not answer: Celery tasks run in-process (eager). "
            "Start Redis or set REDIS_URL for a real worker.",
            REDIS_URL,
        )

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = TASKS_MODE == "eager"
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# At-least-once delivery: acknowledge after the task ran, give the message back when a worker
# dies, and redeliver unacknowledged messages after the visibility timeout. Tasks are idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": _env_int("CELERY_VISIBILITY_TIMEOUT", 600),
}
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 90
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "cuakhau.notifications.tasks.*": {"queue": "notifications"},
    "queueing.tasks.call_forward*": {"queue": "dispatch"},
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Celery closes Django's connection around every task unless this is set (4-6x slower writes,
# PERF-NOTES). With it, cuakhau/celery.py applies CONN_MAX_AGE and health checks like a request
# does; 0 restores Celery's close-per-task behaviour.
CELERY_DB_REUSE_MAX = _env_int("CELERY_DB_REUSE_MAX", 1000)

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # DRF's token authentication that also reads the caller's roles, company and gates.
        "vehicles.authentication.CallerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # JSON nested deeper than JSON_MAX_DEPTH is a 400 (no RecursionError).
    "DEFAULT_PARSER_CLASSES": [
        "cuakhau.security.parsers.DepthLimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "cuakhau.errors.api_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "cuakhau.pagination.CappedLimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_RATES": {
        "kiosk": env.str("KIOSK_THROTTLE", default="120/min"),
        "auth": env.str("AUTH_THROTTLE", default="20/min"),
        "password_reset": env.str("PASSWORD_RESET_THROTTLE", default="5/hour"),
    },
    # The client's address is REMOTE_ADDR, already taken from trusted proxies only
    # (TRUSTED_PROXY_COUNT); never trust X-Forwarded-For here.
    "NUM_PROXIES": 0,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Cửa khẩu số API",
    "DESCRIPTION": "Digital road border gate: registries, declarations, bookings, kiosk.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Several models have a `state`; name the fee's enum so the generator need not guess.
    "ENUM_NAME_OVERRIDES": {"FeeStateEnum": "declarations.fees.models.FeeState"},
}

# --- Shared cache: throttles, lockouts and hot reads count across every process --------------
# Redis when it answers (a per-process memory cache would multiply every limit by the number of
# worker processes); the memory cache only where Redis is absent, with a warning.
CACHE_URL = env.str("CACHE_URL", default=REDIS_URL)
if _redis_answers(CACHE_URL):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="ck"),
            "TIMEOUT": 300,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    logger.warning(
        "Redis at %s does not answer: the cache is per process, so throttles and login "
        "lockouts count per process. Start Redis or set CACHE_URL.",
        CACHE_URL,
    )
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Logins: lockouts (django-axes), client addresses, second factor (docs/security.md) -------
AUTHENTICATION_BACKENDS = [
    "cuakhau.security.backends.LockoutBackend",  # django-axes: refuses a locked-out account or address first
    "django.contrib.auth.backends.ModelBackend",
]
# Proxies in front of the web processes that append to X-Forwarded-For; 0 = none, REMOTE_ADDR
# is the client (a forged header is then ignored).
TRUSTED_PROXY_COUNT = _env_int("TRUSTED_PROXY_COUNT", 0)
AXES_FAILURE_LIMIT = _env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = _env_int("LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
# Locked per account and, separately, per address.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "cuakhau.security.clientip.client_ip"
AXES_LOCKOUT_CALLABLE = "cuakhau.security.views.locked_out"
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_VERBOSE = False
# Officers, managers and admins must use a TOTP second factor when this is on.
OTP_REQUIRED = _env_bool("OTP_REQUIRED", False)
OTP_TOTP_ISSUER = "Cửa khẩu số"

# --- Change log of what managers and admins edit (django-auditlog): before/after values ------
AUDITLOG_INCLUDE_TRACKING_MODELS = (
    "vehicles.Gate",
    {"model": "vehicles.StaffAssignment", "m2m_fields": {"gates"}},
    {
        "model": "auth.User",
        # Named fields only: the diff must not touch reverse relations (company_member…).
        "include_fields": [
            "username",
            "email",
            "first_name",
            "last_name",
            "is_active",
            "is_staff",
            "is_superuser",
        ],
        "m2m_fields": {"groups"},
    },
    "declarations.RoutingRule",
    "declarations.ReviewTarget",
    "queueing.CapacityTemplate",
    "queueing.CapacityOverride",
    {"model": "queueing.Slot", "exclude_fields": ["booked"]},
    "queueing.PartnerAcceptance",
    {"model": "kiosk.Device", "exclude_fields": ["key_hash", "last_seen"]},
    "fees.FeeSchedule",
    "fees.FeeRate",
    "fees.FeeMultiplier",
)
AUDITLOG_DISABLE_REMOTE_ADDR = False

# --- Content-Security-Policy and friends (django-csp 4) -------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Inline style attributes remain in a few templates; scripts, the XSS vector, are strict.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# geolocation for our own pages only: the "I am driving" page (docs/tracking.md) asks for it, after consent.
PERMISSIONS_POLICY = (
    "camera=(self), microphone=(), geolocation=(self), payment=(), usb=(), interest-cohort=()"
)
API_DOCS_ENABLED = _env_bool("API_DOCS_ENABLED", DEBUG)
# Hostile input: JSON nested deeper than this is refused with 400 (parser's depth limit).
JSON_MAX_DEPTH = _env_int("JSON_MAX_DEPTH", 32)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
# Uploaded images larger than this many pixels (width × height) are refused.
DOCUMENT_MAX_PIXELS = _env_int("DOCUMENT_MAX_PIXELS", 40_000_000)

# --- Security in production -----------------------------------------------------------------
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = _env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "not_a_conflict": {
            "()": "django.utils.log.CallbackFilter",
            "callback": "ext://cuakhau.logfilters.not_a_conflict",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # 409s are answers, not warnings (cuakhau.logfilters)
        "django.request": {"filters": ["not_a_conflict"]},
    },
}

# --- Domain settings (defaults; managers change the per-gate ones in the admin) -------------
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="demo12345!")
# How far ahead a declaration may be planned (and so booked): GoSwift's 90 days.
DECLARATION_HORIZON_DAYS = _env_int("DECLARATION_HORIZON_DAYS", 90)
QUARANTINE_HS_CHAPTERS = env.str("QUARANTINE_HS_CHAPTERS", default="01-24,44")
# Call-forward releases at most Gate.lane_release_per_tick trucks per this interval; beat runs
# the tick at the same interval.
CALL_FORWARD_INTERVAL_SECONDS = _env_int("CALL_FORWARD_INTERVAL_SECONDS", 30)
# A web process keeps the device a camera's key names (with its gate) this long: a deactivated
# device or a rotated key is refused by every process within it (at once by the process that
# saved the change). 0 = read the device on every request (queueing/kiosk/services/devices.py).
KIOSK_DEVICE_CACHE_SECONDS = _env_int("KIOSK_DEVICE_CACHE_SECONDS", 5)
NOTIFICATION_MAX_ATTEMPTS = _env_int("NOTIFICATION_MAX_ATTEMPTS", 6)
NOTIFICATION_STALE_SECONDS = _env_int("NOTIFICATION_STALE_SECONDS", 120)
# A send holds its row for this long; it must outlast the send task's time limit (45 s), so a
# live send is never taken over and a killed one is picked up by the sweep after it.
NOTIFICATION_LOCK_SECONDS = _env_int("NOTIFICATION_LOCK_SECONDS", 60)
try:
    NOTIFICATION_BACKOFF_BASE_SECONDS = env.float("NOTIFICATION_BACKOFF_BASE_SECONDS", default=5.0)
except ValueError as exc:
    raise ImproperlyConfigured("NOTIFICATION_BACKOFF_BASE_SECONDS must be a number") from exc
NOTIFICATION_BACKOFF_CAP_SECONDS = _env_int("NOTIFICATION_BACKOFF_CAP_SECONDS", 600)

# --- Payment providers (docs/fees.md, docs/security.md) --------------------------------------
# The sandbox provider marks fees paid on a signed callback: only where this deployment says it
# is a sandbox (on by default with DEBUG, for the demo and the tests).
PAYMENTS_SANDBOX = _env_bool("PAYMENTS_SANDBOX", DEBUG)
PAYMENT_PROVIDERS = env.list(
    "PAYMENT_PROVIDERS", default=["bank_transfer", "cash", *(["sandbox"] if PAYMENTS_SANDBOX else [])]
)
FEE_CALLBACK_SECRET = env.str("FEE_CALLBACK_SECRET", default="sandbox-callback-secret" if DEBUG else "")

if not DEBUG:
    # Refuse to start with a default or short secret, or a sandbox that forges payments.
    refuse_weak_production_secrets(globals())
# Trucks en route (queueing/tracking, docs/tracking.md).
TRACKING_RETENTION_DAYS = _env_int("TRACKING_RETENTION_DAYS", 7)
if TRACKING_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("TRACKING_RETENTION_DAYS must be at least 1")
try:
    TRACKING_ROAD_FACTOR = env.float("TRACKING_ROAD_FACTOR", default=1.25)
    TRACKING_MIN_SPEED_KMH = env.float("TRACKING_MIN_SPEED_KMH", default=20.0)
    TRACKING_MAX_SPEED_KMH = env.float("TRACKING_MAX_SPEED_KMH", default=60.0)
except ValueError as exc:
    raise ImproperlyConfigured(f"TRACKING_* speeds and road factor must be numbers: {exc}") from exc
if not (1.0 <= TRACKING_ROAD_FACTOR <= 3.0):
    raise ImproperlyConfigured("TRACKING_ROAD_FACTOR must be between 1 and 3")
if not (0 < TRACKING_MIN_SPEED_KMH <= TRACKING_MAX_SPEED_KMH):
    raise ImproperlyConfigured("TRACKING_MIN_SPEED_KMH must be above 0 and at most TRACKING_MAX_SPEED_KMH")

# --- Capacity planning (queueing/simulation) ----------------------------------------------------
# Each simulation run gets a database of its own named <prefix><run>; empty: "<live db name>_sim_".
SIMULATION_DATABASE_PREFIX = env.str("SIMULATION_DATABASE_PREFIX", default="")
if SIMULATION_DATABASE_PREFIX and not re.fullmatch(r"[a-z][a-z0-9_]{0,40}", SIMULATION_DATABASE_PREFIX):
    raise ImproperlyConfigured("SIMULATION_DATABASE_PREFIX must be lower-case letters, digits and _")
