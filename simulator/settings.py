"""One settings module, configured from the environment with safe laptop defaults.

DATABASE_URL unset: SQLite in the project folder. CELERY_BROKER_URL unset: tasks run in-process.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=True)
LAPTOP_SECRET_KEY = "insecure-laptop-only-key-change-me-in-production"
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=LAPTOP_SECRET_KEY)
if not DEBUG and (
    SECRET_KEY == LAPTOP_SECRET_KEY
    or SECRET_KEY.startswith("django-insecure")
    or len(SECRET_KEY) < 50
    or len(set(SECRET_KEY)) < 5
):
    # The key signs sessions and derives every access token from its invitation: a known key is a
    # key to every attempt. Production refuses to start rather than run with one.
    raise ImproperlyConfigured(
        "DJANGO_DEBUG=false needs DJANGO_SECRET_KEY: a random value of at least 50 characters, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# HTTPS. Off on a laptop (DEBUG), on by default in production; each can be set from the environment.
# Behind a proxy that ends TLS, set DJANGO_SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https (only
# when the proxy sets that header and strips the client's), or links are http:// and the SSL
# redirect loops.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=not DEBUG)
_proxy_header = env.list("DJANGO_SECURE_PROXY_SSL_HEADER", default=[])
SECURE_PROXY_SSL_HEADER = tuple(_proxy_header) if len(_proxy_header) == 2 else None
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]  # the load balancer's health check speaks plain HTTP
# The Content-Security-Policy of every page (simulator.middleware.SecurityHeaders): scripts and
# style sheets only from this site, no inline script, no eval, no framing. Style attributes stay
# allowed: the server-rendered bars and waterfalls set their widths with them, and a style attribute
# cannot run script.
CONTENT_SECURITY_POLICY = env.str(
    "DJANGO_CONTENT_SECURITY_POLICY",
    default=(
        "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
)

INSTALLED_APPS = [
    "simulator.apps.OperatorAdminConfig",  # django.contrib.admin, for operators only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "scenarios",
    "scoring",
    "simulator",
    "programmes",
    "fairness",
    "integrations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "simulator.middleware.SecurityHeaders",
    "simulator.middleware.ApiBodySizeLimit",
    "simulator.middleware.DatabaseUnavailable",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: it turns a locked-out login into the lockout response
]

ROOT_URLCONF = "simulator.urls"
WSGI_APPLICATION = "simulator.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "programmes.context_processors.programme_home",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django turns psycopg's server-side prepared statements off (prepare_threshold None), which
    # also ignores an explicit `execute(..., prepare=True)`. A threshold no query reaches keeps
    # automatic preparing off and lets the hot statements that ask for it (autosave) be prepared
    # once per connection: planning costs more than running them.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 2**31 - 1)
    if env.bool("DATABASE_POOL", default=False):
        # psycopg's connection pool, per process: what a gevent worker needs, since each request
        # runs in its own greenlet and a persistent connection per greenlet would never be reused.
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # Django requires it with a pool
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": 2,
            "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=20),
            "timeout": 10,
        }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
# Django's PBKDF2 run off gevent's event loop, a few at a time (simulator/hashers.py).
PASSWORD_HASHERS = [
    "simulator.hashers.BoundedPBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
PASSWORD_HASH_CONCURRENCY = env.int("PASSWORD_HASH_CONCURRENCY", default=2)

# Logins (the admin, /staff/login/, the API token): django-axes locks a username from an address
# after AXES_FAILURE_LIMIT wrong passwords, for AXES_COOLOFF_MINUTES, with a 429 and Retry-After.
# simulator.sso: Django's password check, refused to staff whose organisation turned passwords off,
# and OpenID Connect sign-in with each organisation's own provider (mozilla-django-oidc).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "simulator.sso.LocalPasswordBackend",
    "simulator.sso.OrganisationOIDCBackend",
]
LOGIN_REDIRECT_URL = "/staff/"
OIDC_AUTHENTICATION_CALLBACK_URL = "staff-sso-callback"
OIDC_USE_PKCE = True
OIDC_TIMEOUT = env.int("OIDC_TIMEOUT", default=10)
# The provider's callback carries no password; axes does not count it (simulator/sso.py).
AXES_WHITELIST_CALLABLE = "simulator.sso.axes_ignores_sso_callback"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "simulator.authentication.lockout_response"
# Behind a proxy, the client's address is the last one the proxy appended to X-Forwarded-For.
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Static files (the workspace's CSS, JS and vendored htmx/Chart.js) are served by WhiteNoise, from
# the apps' folders without a collectstatic step, so gunicorn with DEBUG off serves them too.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# API bodies over this get 413 from simulator.middleware.ApiBodySizeLimit, with a message.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=1_048_576)
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES + 1

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "simulator.api.exception_handler",
    # Every JSON body is bounded in depth and numbers and refused if it holds what PostgreSQL cannot
    # store (simulator/input_limits.py).
    "DEFAULT_PARSER_CLASSES": [
        "simulator.input_limits.LimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Per client address (anonymous calls) or per attempt (the candidate's events); a refusal is a
    # 429 with Retry-After. Autosave has none: its own rate is the workspace's, and it is cheap.
    "DEFAULT_THROTTLE_RATES": {
        "login": env.str("THROTTLE_LOGIN", default="20/min"),
        "attempt_start": env.str("THROTTLE_ATTEMPT_START", default="30/min"),
        "invitations": env.str("THROTTLE_INVITATIONS", default="120/min"),
        "events": env.str("THROTTLE_EVENTS", default="120/min"),
        "partner_api": env.str("THROTTLE_PARTNER_API", default="120/min"),
    },
}

# Throttle counters live in the cache: per process unless CACHE_URL names a shared one
# (redis://127.0.0.1:6379/2), which a deployment with several processes needs for exact limits.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

SPECTACULAR_SETTINGS = {
    "TITLE": "Support engineering simulator API",
    "DESCRIPTION": "Exercises, scenarios and scorecards for support-engineering hiring and onboarding.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # /api/docs/ works offline: Swagger UI and Redoc come from the installed drf-spectacular-sidecar
    # package, served as static files, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # validatorUrl None: Swagger UI would otherwise send the schema's address to an online validator.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # Every error status an operation can return, documented with the one error body (simulator/openapi.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "simulator.openapi.document_errors",
    ],
}

# E-mail (invitations): printed to the console unless an SMTP server is configured, either as one URL,
# EMAIL_URL=smtp+tls://user:password@mail.example.com:587 (smtp+ssl:// for implicit TLS), or as
# EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, EMAIL_USE_SSL.
if env.str("EMAIL_URL", default=""):
    globals().update({name: value for name, value in env.email_url("EMAIL_URL").items() if value is not None})
elif env.str("EMAIL_HOST", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env.str("EMAIL_HOST")
    EMAIL_PORT = env.int("EMAIL_PORT", default=587)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=not env.bool("EMAIL_USE_SSL", default=False))
    EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# A mail server that stops answering fails the send after this long instead of holding a request.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Support simulator <noreply@localhost>")
# The address of this site as participants and staff reach it: every link in an e-mail is built from
# it (mail sent by the sweep has no request, and a request's Host header should not choose it).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# The hour (UTC) at which reviewers get their daily review-queue digest.
REVIEW_DIGEST_HOUR = env.int("REVIEW_DIGEST_HOUR", default=7)

# Celery: in-process unless a broker is configured.
_BROKER = env.str("CELERY_BROKER_URL", default="")
CELERY_BROKER_URL = _BROKER or "memory://localhost/"  # a host named, or kombu warns on every start
CELERY_TASK_ALWAYS_EAGER = not _BROKER
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_IGNORE_RESULT = CELERY_RESULT_BACKEND is None
CELERY_TASK_ACKS_LATE = True
# A pool process killed mid-task (OOM killer, SIGKILL) puts its message back on the queue instead of
# acking it as failed; every task is idempotent, so running one again is safe (tests/test_faults.py).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# `celery -A simulator beat` (one per deployment) runs the sweep: deadlines whose task was lost,
# scoring left undone, expired invitations (simulator.services.attempts_sweep).
# It also sends the e-mails that are due (simulator/notifications.py): reminders and feedback with the
# sweep, the reviewers' digest once a day.
CELERY_BEAT_SCHEDULE = {
    "sweep-attempts": {
        "task": "simulator.tasks.sweep_attempts",
        "schedule": env.float("SWEEP_INTERVAL_SECONDS", default=60.0),
    },
    "send-notifications": {
        "task": "simulator.tasks.send_notifications",
        "schedule": env.float("SWEEP_INTERVAL_SECONDS", default=60.0),
    },
    "send-review-digests": {
        "task": "simulator.tasks.send_review_digests",
        "schedule": crontab(minute=0, hour=REVIEW_DIGEST_HOUR),
    },
    # Deliveries (webhooks, ATS callbacks, learning records) whose retry task was lost.
    "resume-deliveries": {
        "task": "integrations.tasks.resume_deliveries",
        "schedule": env.float("SWEEP_INTERVAL_SECONDS", default=60.0),
    },
    "erase-expired-participants": {
        "task": "simulator.tasks.erase_expired_participants",
        "schedule": 6 * 3600.0,
    },
}

# Personal data: participants whose attempts all closed more than this many days ago are erased
# (simulator/erasure.py; anonymous scores stay). 0 keeps them until erased by hand.
PARTICIPANT_RETENTION_DAYS = env.int("PARTICIPANT_RETENTION_DAYS", default=0)

# Scenario packs larger than this are refused before they are parsed.
SCENARIO_PACK_MAX_BYTES = env.int("SCENARIO_PACK_MAX_BYTES", default=20 * 1024 * 1024)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

# Autosave on PostgreSQL can hand each save to a per-process committer that writes the saves arriving
# together in one statement (simulator/groupcommit.py). Worth it where one process serves many
# requests at once (gunicorn.conf.py turns it on for gevent workers); with one request per process
# it would only add a hand-off.
AUTOSAVE_GROUP_COMMIT = env.bool("AUTOSAVE_GROUP_COMMIT", default=False)
# Committers per process: while one batch is in PostgreSQL the next gathers (3 measured best on 2 cores).
AUTOSAVE_COMMITTERS = env.int("AUTOSAVE_COMMITTERS", default=3)
# Stored revisions per item: the first, the latest, and the last one of each window of this many
# seconds (0 keeps every revision). The current answer is never touched.
AUTOSAVE_REVISION_SECONDS = env.float("AUTOSAVE_REVISION_SECONDS", default=5.0)

# Adverse-impact reports leave out a self-identified group with fewer people than this (or under 2%
# of those who answered): too few to judge, and small enough to point at a person.
FAIRNESS_MIN_GROUP_SIZE = env.int("FAIRNESS_MIN_GROUP_SIZE", default=5)
# Integrations (integrations/): the partner API for applicant tracking systems, webhooks and learning
# records. Their links start with SITE_URL (above).
# SSRF guard (integrations/outbound.py): outbound calls to loopback, private, link-local or reserved
# addresses are refused unless this is on; on by default only on a laptop (DJANGO_DEBUG=true).
INTEGRATIONS_ALLOW_PRIVATE_TARGETS = env.bool("INTEGRATIONS_ALLOW_PRIVATE_TARGETS", default=DEBUG)
INTEGRATIONS_CONNECT_TIMEOUT = env.float("INTEGRATIONS_CONNECT_TIMEOUT", default=3.0)
INTEGRATIONS_READ_TIMEOUT = env.float("INTEGRATIONS_READ_TIMEOUT", default=10.0)
# A failed delivery is tried again after 30 s, 1, 2, 4 and 8 minutes (INTEGRATIONS_MAX_TRIES tries in all).
INTEGRATIONS_MAX_TRIES = env.int("INTEGRATIONS_MAX_TRIES", default=6)
INTEGRATIONS_RETRY_BASE_SECONDS = env.int("INTEGRATIONS_RETRY_BASE_SECONDS", default=30)
# LTI 1.3: the tool's RSA private key (PEM) that signs its token requests; its public half is served
# at /integrations/lti/jwks.json.
LTI_TOOL_PRIVATE_KEY = env.str("LTI_TOOL_PRIVATE_KEY", default="", multiline=True)
