"""Settings for every environment, read from the environment (see docs/operations.md for the full list).

With no environment at all this is the embedded default (`make run`): DEBUG on, SQLite in var/, a local-memory
cache and Celery tasks run in-process. DJANGO_DEBUG=0 is production: the secret key, allowed hosts and database
must be given, or start-up fails loudly.
"""

import logging
from pathlib import Path

import dj_database_url

from newsportal.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("NEWSPORTAL_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DJANGO_DEBUG", True)
PRODUCTION = not DEBUG

SECRET_KEY = env_str("DJANGO_SECRET_KEY", required=PRODUCTION) or "django-insecure-embedded-default-only-for-make-run"
# Rotation: the new key in DJANGO_SECRET_KEY, the old ones here (comma-separated) until sessions and signed
# values made with them have expired (docs/operations.md "Rotate secrets").
SECRET_KEY_FALLBACKS = env_list("DJANGO_SECRET_KEY_FALLBACKS", [])
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"], required=PRODUCTION)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

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
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "newsportal",
    "articles",
    "comments",
]

MIDDLEWARE = [
    # First: every later middleware, view and log line runs with the request id set, and the access log and
    # metrics see the final status of every response.
    "newsportal.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside any cache middleware, so article pages served from a cache are counted too (docs/popular.md).
    "articles.popularity.middleware.ViewCountMiddleware",
    # Whole article pages for anonymous readers, before the session/CSRF/auth/messages work (articles/page_cache.py).
    # The middlewares above still run on a cached page: the id, security headers, access log, metrics, counting.
    "articles.page_cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "newsportal.middleware.MessageMiddleware",  # Django's, with no message storage for the JSON API
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "newsportal.middleware.CSPMiddleware",  # django-csp's, with the policy built once
    # Last: it sees the view's exceptions first and turns a lost database into a 503 (see its docstring).
    "newsportal.middleware.ServiceOutageMiddleware",
]

ROOT_URLCONF = "newsportal.urls"
WSGI_APPLICATION = "newsportal.wsgi.application"

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
            ],
        },
    },
]

# Database: DATABASE_URL (postgres://..., sqlite:///...), else the embedded SQLite file.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", required=PRODUCTION) or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that does not answer fails a request within seconds instead of hanging a worker.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int("DJANGO_DB_CONNECT_TIMEOUT", 5)
    # The hot hand-written statements (newsportal/db.py) are prepared once per connection; Django's own queries
    # are bound on the client and never prepared whatever this says. 0 turns preparing off, e.g. behind a
    # transaction-pooling PgBouncer older than 1.21 (it cannot keep prepared statements).
    if env_int("DJANGO_DB_PREPARED_STATEMENTS", 1):
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 5
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A fresh clone has no var/ yet; SQLite creates the file but not its folder.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Several processes (runserver, a worker, seed_demo) may share the embedded file: wait instead of failing.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    # Connections persist like PostgreSQL's (DJANGO_CONN_MAX_AGE): a fresh SQLite connection re-reads the whole
    # schema on its first statement, which cost ~3 ms, most of an API read (docs/benchmarks.md).
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache, counters and rate limits: Redis when REDIS_URL is set, else one process's memory.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "np",
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "newsportal"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("DJANGO_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", str(VAR_DIR / "media")))
# With DJANGO_STATIC_MANIFEST=1 (the Docker image, after collectstatic) whitenoise serves hashed, compressed
# files with far-future cache headers; without it, files are served straight from the apps' static folders.
STATIC_MANIFEST = env_bool("DJANGO_STATIC_MANIFEST", False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST

# Security: production defaults are strict; DJANGO_SECURE_SSL_REDIRECT=0 for a TLS-terminating proxy or loopback.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_TLS_PROXY", False) else None
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
# Health and metrics answer plain HTTP from the container's own health check and the scraper (no redirect).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
# Content-Security-Policy (django-csp): nothing inline, nothing from elsewhere. Templates keep JS and CSS in
# static files; a view that needs more (the Swagger UI page) loosens it with csp.decorators.csp_update.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
# Clients behind this many trusted reverse proxies: the client IP is taken that far from the right of
# X-Forwarded-For (0 = REMOTE_ADDR only), so a client cannot choose its own IP by sending the header.
NEWSPORTAL_TRUSTED_PROXIES = env_int("NEWSPORTAL_TRUSTED_PROXIES", 0)

# Most Popular (docs/popular.md): views are counted in Redis (NEWSPORTAL_POPULAR_REDIS_URL, default REDIS_URL), or
# without Redis in the process's memory, saved to NEWSPORTAL_POPULAR_MEMORY_FILE at each ranking pass.
NEWSPORTAL_COUNT_VIEWS = env_bool("NEWSPORTAL_COUNT_VIEWS", True)
NEWSPORTAL_POPULAR_REDIS_URL = env_str("NEWSPORTAL_POPULAR_REDIS_URL", REDIS_URL)
# Web processes queue the views Redis has not seen and send them in one call this often (0 = one call per view).
NEWSPORTAL_POPULAR_FLUSH_SECONDS = env_float("NEWSPORTAL_POPULAR_FLUSH_SECONDS", 0.2)
NEWSPORTAL_POPULAR_MEMORY_FILE = env_str("NEWSPORTAL_POPULAR_MEMORY_FILE", str(VAR_DIR / "popular-views.json"))
NEWSPORTAL_POPULAR_WINDOW_HOURS = env_int("NEWSPORTAL_POPULAR_WINDOW_HOURS", 24)
NEWSPORTAL_TRENDING_HALF_LIFE_HOURS = env_float("NEWSPORTAL_TRENDING_HALF_LIFE_HOURS", 4.0)
NEWSPORTAL_POPULAR_COMMENT_WEIGHT = env_float("NEWSPORTAL_POPULAR_COMMENT_WEIGHT", 0.0)
NEWSPORTAL_POPULAR_CACHE_SECONDS = env_int("NEWSPORTAL_POPULAR_CACHE_SECONDS", 60)
# Without Redis there is no beat either: the web process ranks itself at most this often (0 = never).
NEWSPORTAL_POPULAR_RANK_IN_PROCESS_SECONDS = env_int(
    "NEWSPORTAL_POPULAR_RANK_IN_PROCESS_SECONDS", 0 if NEWSPORTAL_POPULAR_REDIS_URL else 60
)

# Celery: a broker URL makes tasks go to real workers; without one they run in-process (embedded default).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# JSON only: a message is data, never a pickle that a broker writer could turn into code.
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A task is acknowledged after it ran, and handed back to the queue when its worker process dies mid-task
# (SIGKILL, OOM): with idempotent tasks this is "at least once", never "lost".
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# When the broker connection drops, tasks still running are cancelled (and redelivered by late acks) rather
# than finishing unacknowledged and then running a second time anyway.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 90
# Redis redelivers an unacknowledged task after the visibility timeout: longer than any task (time limit),
# retry countdown or ETA, so a task that is still running is never handed to a second worker.
# NEWSPORTAL_BROKER_VISIBILITY_TIMEOUT (seconds): shorter only in tests that kill a worker and wait for redelivery.
# The socket timeouts and the failover options (max_retries/interval_*: used when a producer connects) bound
# what one publish may cost when the broker is dead or hung: about a second, never a hang.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("NEWSPORTAL_BROKER_VISIBILITY_TIMEOUT", 3600),
    "socket_connect_timeout": 1,
    "socket_timeout": 1,
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None  # a worker keeps reconnecting to a broker that comes back
# A request never hangs on a dead broker: publishing gives up quickly and the sweeper enqueues later.
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# Celery's Django fixup closes the database connection around every task unless this is set: a new PostgreSQL
# connection per comment scored. Reuse it as web requests do; newsportal/celery.py runs Django's
# close_old_connections around each task instead, so CONN_MAX_AGE and the health checks still apply.
CELERY_DB_REUSE_MAX = env_int("NEWSPORTAL_CELERY_DB_REUSE_MAX", 1000)
# The worker logs through LOGGING below (JSON lines with the task id), not Celery's own root handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Periodic jobs; `expires` drops a run that waited longer than its period (the next one does the same work).
CELERY_BEAT_SCHEDULE: dict = {
    "purge-idempotency-keys": {
        "task": "newsportal.tasks.purge_idempotency_keys",
        "schedule": 3600.0,
        "options": {"expires": 3000},
    },
    "spam-sweep-unscored": {"task": "comments.tasks.sweep_unscored", "schedule": 60.0, "options": {"expires": 55}},
    "spam-learn-pending": {"task": "comments.tasks.learn_pending", "schedule": 300.0, "options": {"expires": 290}},
    "spam-retrain": {"task": "comments.tasks.retrain_spam_model", "schedule": 6 * 3600.0, "options": {"expires": 3600}},
    # Most Popular: one ranking pass a minute; a pass that waited longer than that is dropped (the next one comes).
    "rank-popular": {"task": "articles.tasks.rank_popular", "schedule": 60.0, "options": {"expires": 55}},
}
CELERY_TIMEZONE = TIME_ZONE

# Spam scoring (docs/spam.md). Thresholds apply where a section or article has no ModerationPolicy.
SPAM_HOLD_THRESHOLD = 0.5
SPAM_THRESHOLD = 0.9
# Until the text model has learned this many labels it counts at SPAM_COLD_START_MODEL_WEIGHT: rules lead.
SPAM_MIN_LABELS = env_int("NEWSPORTAL_SPAM_MIN_LABELS", 200)
SPAM_COLD_START_MODEL_WEIGHT = 0.5
SPAM_VELOCITY_MINUTES = 10
# A score_comment task also scores up to this many other comments awaiting their score, in one transaction (a
# score_comments batch fills its transaction up to this many in all): under load one transaction serves many
# comments and their own tasks find them done (0 = each task its own comment(s)).
SPAM_SCORE_BACKLOG = env_int("NEWSPORTAL_SPAM_SCORE_BACKLOG", 50)
# Web processes hand new comments to scoring through an outbox (comments/dispatch.py): a thread publishes one
# score_comments task per up to 100 comments this often, off the request path. 0 = one score_comment task per
# comment, published after the request's commit (as with an eager Celery, the embedded default).
NEWSPORTAL_SCORING_DISPATCH_SECONDS = env_float("NEWSPORTAL_SCORING_DISPATCH_SECONDS", 0.25)
SPAM_SCORE_MAX_RETRIES = env_int("NEWSPORTAL_SPAM_MAX_RETRIES", 5)
SPAM_RETRY_BACKOFF_SECONDS = 2.0  # first retry after 2 s, then 4, 8, ... (capped at 5 minutes)
SPAM_SWEEP_AFTER_SECONDS = 30  # comments committed this long ago and still unscored are enqueued again
SPAM_SWEEP_BATCH = 500
SPAM_MODEL_CHECK_SECONDS = 5.0  # how often a worker asks whether the active model changed
# Test-only: every score_comment and score_comments sleeps this long first (integration tests kill a worker mid-task).
SPAM_SCORING_TEST_DELAY = float(env_str("NEWSPORTAL_SCORING_TEST_DELAY", "0") or 0)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "newsportal.api.TokenAuthentication",
        "newsportal.api.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["newsportal.parsers.StrictJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "newsportal.schema.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "newsportal.api.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "newsportal.api.PageNumberPagination",
    "PAGE_SIZE": 20,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "newsportal API",
    "DESCRIPTION": "Articles, comments, reader reports and moderation for the newsroom's mobile apps.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and Redoc from the sidecar package's static files: no CDN, nothing for the CSP to allow.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "FlagReasonEnum": "comments.models.Flag.Reason",
        "RejectReasonEnum": "comments.services.moderation.REJECT_REASONS",
    },
}

# API (docs/api.md): body size limit, throttle rates ("N/s|min|hour|day", empty = off) and idempotency keys.
NEWSPORTAL_API_MAX_BODY_BYTES = env_int("NEWSPORTAL_API_MAX_BODY_BYTES", 128 * 1024)
NEWSPORTAL_API_RATES = {
    # Writes (POST/PATCH/DELETE) per token user or client IP; comment_create has its own posting limits.
    "write": env_str("NEWSPORTAL_API_RATE_WRITE", "60/min"),
    # Token requests per client IP and per username: slows password guessing.
    "auth": env_str("NEWSPORTAL_API_RATE_AUTH", "10/min"),
    # Reads per client; off by default (reads are cached; put a CDN or proxy limit in front instead).
    "read": env_str("NEWSPORTAL_API_RATE_READ", ""),
}
NEWSPORTAL_IDEMPOTENCY_TTL_HOURS = env_int("NEWSPORTAL_IDEMPOTENCY_TTL_HOURS", 24)
CSRF_FAILURE_VIEW = "newsportal.error_views.csrf_failure"

# Anonymous article pages are cached whole this many seconds (articles/page_cache.py); 0 switches it off.
NEWSPORTAL_PAGE_CACHE_SECONDS = env_int("NEWSPORTAL_PAGE_CACHE_SECONDS", 30)

# Operations (docs/operations.md): /metrics is open to these client addresses (client_ip(), so behind a proxy
# only with NEWSPORTAL_TRUSTED_PROXIES set), or to anyone sending "Authorization: Bearer <token>".
NEWSPORTAL_METRICS_TOKEN = env_str("NEWSPORTAL_METRICS_TOKEN", "")
NEWSPORTAL_METRICS_ALLOWED_IPS = env_list("NEWSPORTAL_METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"])
# One access-log line per request (newsportal.access); off for a benchmark of the bare page if wanted.
NEWSPORTAL_ACCESS_LOG = env_bool("NEWSPORTAL_ACCESS_LOG", True)

# Python's logging HOWTO, "Optimization": a log record need not find its caller's file and line (a walk up the
# stack) nor look up its thread and process names, which no line of ours prints (the JSON lines hold level,
# logger, message, time, the ids and the extras; the plain format neither). That was two thirds of the cost of
# the access log's line, and the line was a fifth of a cached article page.
logging._srcfile = None
logging.logThreads = False
logging.logProcesses = False
logging.logMultiprocessing = False

# Logs: one JSON object per line (python-json-logger) with the request id or Celery task id on every line, so
# user text (a path, a User-Agent) can never start a line of its own. DJANGO_LOG_FORMAT=plain for a terminal.
LOG_FORMAT = env_str("DJANGO_LOG_FORMAT", "json" if PRODUCTION else "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "newsportal.logs.ContextFilter"}},
    "formatters": {
        "json": {"()": "newsportal.logs.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(task_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # The access log (newsportal.access) already has one line per request with its status.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
    },
}

# Comments: posting gates, windows and limits (docs/comments.md explains each one).
# Rate limits are "<count>/<seconds>" fixed windows kept in the cache (Redis when REDIS_URL is set).
# NEWSPORTAL_RATE_LIMITS_ENABLED=0 switches them off (test rigs and load checks only).
NEWSPORTAL_RATE_LIMITS_ENABLED = env_bool("NEWSPORTAL_RATE_LIMITS_ENABLED", True)
NEWSPORTAL_RATE_LIMIT_CLIENT = env_str("NEWSPORTAL_RATE_LIMIT_CLIENT", "5/60")
NEWSPORTAL_RATE_LIMIT_ARTICLE = env_str("NEWSPORTAL_RATE_LIMIT_ARTICLE", "300/60")
# The same text again from the same client, or on another article, within this window is held for review.
NEWSPORTAL_DUPLICATE_WINDOW_MINUTES = env_int("NEWSPORTAL_DUPLICATE_WINDOW_MINUTES", 60)
# More links than this in one comment hold it for review (any link holds it under "pre-moderate links").
NEWSPORTAL_COMMENT_MAX_LINKS = env_int("NEWSPORTAL_COMMENT_MAX_LINKS", 2)
# The HTML form's signed time token: sent faster than MIN seconds = held; older than MAX_AGE = resubmit.
NEWSPORTAL_FORM_MIN_SECONDS = env_int("NEWSPORTAL_FORM_MIN_SECONDS", 3)
NEWSPORTAL_FORM_TOKEN_MAX_AGE = env_int("NEWSPORTAL_FORM_TOKEN_MAX_AGE", 24 * 3600)
NEWSPORTAL_EDIT_WINDOW_MINUTES = env_int("NEWSPORTAL_EDIT_WINDOW_MINUTES", 15)
NEWSPORTAL_REPORTS_THRESHOLD = env_int("NEWSPORTAL_REPORTS_THRESHOLD", 3)
NEWSPORTAL_COMMENTS_PER_PAGE = env_int("NEWSPORTAL_COMMENTS_PER_PAGE", 20)
NEWSPORTAL_REPLIES_PREVIEW = env_int("NEWSPORTAL_REPLIES_PREVIEW", 3)

# Moderation (comments/selectors_moderation.py, comments/moderation/): how long opening a batch of pending cards
# holds them for that moderator, and the moderator login's guard against guessing (failures per client IP and
# username within the window, then 429 until it passes).
NEWSPORTAL_LEASE_SECONDS = env_int("NEWSPORTAL_LEASE_SECONDS", 300)
NEWSPORTAL_LOGIN_MAX_FAILURES = env_int("NEWSPORTAL_LOGIN_MAX_FAILURES", 5)
NEWSPORTAL_LOGIN_WINDOW = env_int("NEWSPORTAL_LOGIN_WINDOW", 900)
