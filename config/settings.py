"""PS Desk settings: everything comes from the environment with safe development defaults.

Environment variables:
  PSDESK_ENV          "development" (default) or "production"
  SECRET_KEY          required in production; generated into var/secret_key in development
  DEBUG               "1" to enable (off unless set)
  DATABASE_URL        e.g. postgres://app:app@127.0.0.1:15432/app (default: SQLite under var/)
  ALLOWED_HOSTS       comma separated (default: 127.0.0.1,localhost)
  PSDESK_SITE_URL     the address people open PS Desk at (scheme://host[:port], no path); every
                      link in a notification or email starts with it. `make run` sets it from its
                      HOST and PORT (default http://127.0.0.1:8000)
  PSDESK_AUDIT_KEY    HMAC key of the audit chain (default: derived from SECRET_KEY; set it in
                      production and keep it out of the database's reach; see docs/security.md)
  PSDESK_AUDIT_ANCHOR_PATH  append-only file the audit chain head is anchored to
                      (default: var/audit-anchor.jsonl)
  PSDESK_TASKS        task queue: "database" (default, django-tasks-db; workers run `db_worker`) or
                      "redis" (django-tasks-redis; workers run `run_redis_tasks`); see docs/deploy.md
  PSDESK_REDIS_URL    the Redis of PSDESK_TASKS=redis (default redis://127.0.0.1:6379/0)
  PSDESK_LOG_FORMAT   "text" (default) or "json": one JSON object per log line
  PSDESK_METRICS_TOKEN  bearer token /metrics asks for; unset: /metrics is open in development and
                      off (404) in production
  PROMETHEUS_MULTIPROC_DIR  an empty directory shared by a host's processes, so /metrics adds up
                      every gunicorn worker (prometheus-client's multiprocess mode)
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PSDESK_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

PSDESK_ENV = os.environ.get("PSDESK_ENV", "development")
PRODUCTION = PSDESK_ENV == "production"
DEBUG = os.environ.get("DEBUG", "") in {"1", "true", "True", "yes"}


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise RuntimeError("SECRET_KEY must be set when PSDESK_ENV=production")
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()


def _site_url() -> str:
    """PSDESK_SITE_URL without a trailing slash; refused at start-up unless it is an http(s) origin."""
    from urllib.parse import urlsplit  # noqa: PLC0415 — only needed here, at import of the settings

    raw = os.environ.get("PSDESK_SITE_URL", "").strip() or "http://127.0.0.1:8000"
    parts = urlsplit(raw)
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.path.strip("/"):
        raise RuntimeError(f"PSDESK_SITE_URL must look like http(s)://host[:port] with no path; got {raw!r}")
    return f"{parts.scheme}://{parts.netloc}"


PSDESK_SITE_URL = _site_url()
SITE_URL = PSDESK_SITE_URL  # the older name, read by the training invite (.ics)
_SITE_HOST = PSDESK_SITE_URL.split("://", 1)[1].rsplit(":", 1)[0].strip("[]")
# The audit chain's HMAC key comes from the environment, never from the database. Without
# PSDESK_AUDIT_KEY it is derived from SECRET_KEY (fine on one machine; `check --deploy` warns in
# production, because rotating SECRET_KEY would then change the key of new rows).
PSDESK_AUDIT_KEY = (
    os.environ.get("PSDESK_AUDIT_KEY")
    or hmac.new(SECRET_KEY.encode(), b"psdesk.audit.chain", hashlib.sha256).hexdigest()
)
PSDESK_AUDIT_KEY_FROM_ENV = bool(os.environ.get("PSDESK_AUDIT_KEY"))
PSDESK_AUDIT_ANCHOR_PATH = os.environ.get("PSDESK_AUDIT_ANCHOR_PATH", str(VAR_DIR / "audit-anchor.jsonl"))
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
if "ALLOWED_HOSTS" not in os.environ and _SITE_HOST not in ALLOWED_HOSTS:
    ALLOWED_HOSTS.append(_SITE_HOST)
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000").split(",") if o
]
if "CSRF_TRUSTED_ORIGINS" not in os.environ and PSDESK_SITE_URL not in CSRF_TRUSTED_ORIGINS:
    CSRF_TRUSTED_ORIGINS.append(PSDESK_SITE_URL)

# Apps, lowest layer first (the import-linter contract in pyproject.toml enforces this order).
PSDESK_APPS = [
    "core",
    "audit",
    "branding",
    "accounts",
    "integrations",
    "notifications",
    "sla",
    "catalog",
    "crm",
    "quotes",
    "engagements",
    "scoping",
    "estimates",
    "sows",
    "approvals",
    "board",
    "projects",
    "scheduling",
    "training",
    "chatops",
    "ops",
    "insights",
    "delivery",
    "timesheets",
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "axes",
    *[f"psdesk.{app}" for app in PSDESK_APPS],
]

MIDDLEWARE = [
    # First, so request latency by view covers every other middleware (psdesk/ops/metrics.py).
    "psdesk.ops.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "psdesk.core.middleware.ApiErrorsAsJsonMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "psdesk.core.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "psdesk.core.middleware.UnrepresentableInputMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "psdesk.core.middleware.ApiNoStoreMiddleware",
    "psdesk.core.middleware.RequestIdMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# --- security (docs/security.md) ----------------------------------------------------------------
# Failed logins (django-axes): after PSDESK_LOGIN_FAILURE_LIMIT wrong passwords for one username
# from one IP address, that pair is locked for PSDESK_LOGIN_COOLOFF_MINUTES; the login page says so.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "psdesk.accounts.sso.PsDeskOIDCBackend",
    "psdesk.accounts.sso.LocalPasswordBackend",
]
# Single sign-on with OpenID Connect (docs/howto/sso.md): on when OIDC_RP_CLIENT_ID is set.
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid email profile groups")
OIDC_USE_PKCE = True
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:oidc_callback"
LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/?sso=refused"
PSDESK_OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
PSDESK_OIDC_PROVIDER_NAME = os.environ.get("PSDESK_OIDC_PROVIDER_NAME", "your company account")
PSDESK_OIDC_GROUPS_CLAIM = os.environ.get("PSDESK_OIDC_GROUPS_CLAIM", "groups")
PSDESK_LOCAL_LOGIN_USERS = [u.strip() for u in os.environ.get("PSDESK_LOCAL_LOGIN_USERS", "").split(",") if u.strip()]
AXES_FAILURE_LIMIT = int(os.environ.get("PSDESK_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("PSDESK_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Behind a load balancer set PSDESK_TRUSTED_PROXY_COUNT so the client's address (not the proxy's)
# is throttled; django-axes reads it from X-Forwarded-For only when told how many proxies to trust.
if os.environ.get("PSDESK_TRUSTED_PROXY_COUNT"):
    AXES_IPWARE_PROXY_COUNT = int(os.environ["PSDESK_TRUSTED_PROXY_COUNT"])
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

# Content-Security-Policy (django-csp): scripts only from our own static files — no inline script
# and no inline event handlers anywhere. Styles allow 'unsafe-inline' because htmx injects its
# indicator <style> and a few templates set a width inline; no script can run from a style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "my_work"
LOGOUT_REDIRECT_URL = "login"

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
                "psdesk.accounts.context_processors.psdesk",
            ],
        },
    },
]

_default_sqlite = f"sqlite:///{VAR_DIR / 'psdesk.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_sqlite), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so two racing transactions serialise instead of
    # both reading the old state; WAL lets readers proceed meanwhile.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file (not :memory:) so threaded tests share it; one per process so parallel runs never collide.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Documents (SOW versions, uploads) go to S3-compatible object storage when a bucket is configured.
if os.environ.get("PSDESK_S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["PSDESK_S3_BUCKET"],
            "endpoint_url": os.environ.get("PSDESK_S3_ENDPOINT_URL") or None,
            "access_key": os.environ.get("PSDESK_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("PSDESK_S3_SECRET_ACCESS_KEY") or None,
            "region_name": os.environ.get("PSDESK_S3_REGION", "us-east-1"),
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
WHITENOISE_USE_FINDERS = True

# The task queue (docs/deploy.md). Task code is the same with either: `@task` from django.tasks.
PSDESK_TASKS = os.environ.get("PSDESK_TASKS", "database")
_TASK_QUEUES = ["default", "outbox", "forecast", "sla", "documents"]
# A document still "rendering" this long after its render was asked is asked again by the
# scheduler's renders-reask job (its task was lost: a worker killed mid-render, a queue flushed).
PSDESK_RENDER_REASK_AFTER_SECONDS = int(os.environ.get("PSDESK_RENDER_REASK_AFTER_SECONDS", "600"))
if PSDESK_TASKS == "redis":
    INSTALLED_APPS.append("django_tasks_redis")  # its `run_redis_tasks` worker command and admin page
    TASKS = {
        "default": {
            "BACKEND": "django_tasks_redis.RedisTaskBackend",
            "QUEUES": _TASK_QUEUES,
            "OPTIONS": {
                "REDIS_URL": os.environ.get("PSDESK_REDIS_URL", "redis://127.0.0.1:6379/0"),
                "REDIS_KEY_PREFIX": os.environ.get("PSDESK_REDIS_KEY_PREFIX", "psdesk"),
                # A task whose worker died is taken over after this long (it is started again).
                "REDIS_CLAIM_TIMEOUT": int(os.environ.get("PSDESK_REDIS_CLAIM_TIMEOUT", "300")),
                "REDIS_BLOCK_TIMEOUT": 1000,
            },
        }
    }
elif PSDESK_TASKS == "database":
    TASKS = {
        "default": {
            "BACKEND": os.environ.get("PSDESK_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
            "QUEUES": _TASK_QUEUES,
        }
    }
else:
    raise RuntimeError(f"PSDESK_TASKS must be 'database' or 'redis'; got {PSDESK_TASKS!r}")

# Development prints mail to the console; production sends through SMTP unless told otherwise.
_email_backend = os.environ.get(
    "PSDESK_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
MAILERS = {
    "default": {
        "BACKEND": _email_backend,
        "OPTIONS": (
            {
                "host": os.environ.get("SMTP_HOST", "127.0.0.1"),
                "port": int(os.environ.get("SMTP_PORT", "25")),
                "username": os.environ.get("SMTP_USER", ""),
                "password": os.environ.get("SMTP_PASSWORD", ""),
                "use_tls": os.environ.get("SMTP_TLS", "") == "1",
            }
            if _email_backend.endswith("smtp.EmailBackend")
            else {}
        ),
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "ps-desk@example.com")

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # HTTPS only: redirect plain HTTP, and tell browsers to keep to HTTPS for a year. Behind a TLS-
    # terminating proxy, PSDESK_BEHIND_TLS_PROXY=1 trusts its X-Forwarded-Proto header.
    SECURE_SSL_REDIRECT = os.environ.get("PSDESK_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = int(os.environ.get("PSDESK_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = os.environ.get("PSDESK_HSTS_PRELOAD", "1") == "1"
    if os.environ.get("PSDESK_BEHIND_TLS_PROXY") == "1":
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Plain text, or one JSON object per line with PSDESK_LOG_FORMAT=json (psdesk/ops/logs.py).
from psdesk.ops.logs import logging_config  # noqa: E402 — a plain module with no Django imports

LOGGING = logging_config(fmt=os.environ.get("PSDESK_LOG_FORMAT", "text"), level=os.environ.get("LOG_LEVEL", "WARNING"))

# --- operations (psdesk/ops, docs/deploy.md) ------------------------------------------------------
PSDESK_METRICS_TOKEN = os.environ.get("PSDESK_METRICS_TOKEN", "")
# Probes and Prometheus speak plain HTTP to the node itself, past the TLS proxy.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

# Integration adapters per capability (see psdesk/integrations). Defaults run on one machine.
PSDESK_ADAPTERS = {
    "chat": os.environ.get("PSDESK_CHAT_ADAPTER", "log"),
    "email": os.environ.get("PSDESK_EMAIL_ADAPTER", "django"),
    "crm": os.environ.get("PSDESK_CRM_ADAPTER", "builtin"),
    "psa": os.environ.get("PSDESK_PSA_ADAPTER", "builtin"),
    "work_tracking": os.environ.get("PSDESK_WORK_TRACKING_ADAPTER", "builtin"),
    "quotes": os.environ.get("PSDESK_QUOTES_ADAPTER", "builtin"),
    "billing": os.environ.get("PSDESK_BILLING_ADAPTER", "builtin"),
    "esign": os.environ.get("PSDESK_ESIGN_ADAPTER", "builtin"),
}
# The vendor's seal for executed documents (PEM files). Empty: a development pair under var/esign/,
# written by the demo and `make run` (docs/howto/sows.md says how to use a real one).
PSDESK_ESIGN_KEY_FILE = os.environ.get("PSDESK_ESIGN_KEY_FILE", "")
PSDESK_ESIGN_CERT_FILE = os.environ.get("PSDESK_ESIGN_CERT_FILE", "")
PSDESK_ESIGN_CHAIN_FILE = os.environ.get("PSDESK_ESIGN_CHAIN_FILE", "")

# Paths that authenticate differently (API tokens, signed customer links, webhooks) are exempt
# from the login redirect; everything else requires a session.
PSDESK_PUBLIC_PATH_PREFIXES = [
    "/api/",
    "/review/",
    "/static/",
    "/r/",
    "/sign/",  # the customer's signing link (psdesk/sows/sign_urls.py)
    "/accounts/login/",
    "/chatops/slack/inbound",  # Slack's request URL: signed by Slack (psdesk/chatops)
    "/accounts/oidc/",  # the OpenID Connect redirect and callback (psdesk/accounts/sso.py)
    "/healthz",
    "/readyz",
    "/metrics",
]

# --- notifications & integrations (psdesk/notifications, psdesk/integrations) -----------------
# Adapter options per capability (keyword arguments of the adapter class chosen in PSDESK_ADAPTERS).
PSDESK_ADAPTER_OPTIONS: dict[str, dict[str, Any]] = {
    "chat": {
        "token": os.environ.get("SLACK_BOT_TOKEN", ""),
        "webhook_url": os.environ.get("SLACK_WEBHOOK_URL", ""),
        "base_url": os.environ.get("SLACK_API_URL", "https://slack.com/api/"),
        "channels": {
            k.strip(): v.strip()
            for k, _, v in (p.partition("=") for p in os.environ.get("SLACK_CHANNELS", "").split(",") if "=" in p)
        },
    },
    "crm": {
        "instance_url": os.environ.get("SALESFORCE_INSTANCE_URL", ""),
        "session_id": os.environ.get("SALESFORCE_ACCESS_TOKEN", ""),
    },
    "work_tracking": {
        "url": os.environ.get("GITLAB_URL", "https://gitlab.com"),
        "token": os.environ.get("GITLAB_TOKEN", ""),
        "project": os.environ.get("GITLAB_SCOPING_PROJECT", "ww-consulting/ps-plan"),
    },
    "psa": {
        "base_url": os.environ.get("KANTATA_URL", "https://api.mavenlink.com"),
        "token": os.environ.get("KANTATA_TOKEN", ""),
    },
    "quotes": {
        "base_url": os.environ.get("ZUORA_URL", "https://rest.zuora.com"),
        "token": os.environ.get("ZUORA_TOKEN", ""),
    },
    "billing": {
        "base_url": os.environ.get("ZUORA_URL", "https://rest.zuora.com"),
        "token": os.environ.get("ZUORA_TOKEN", ""),
    },
}
PSDESK_ADAPTER_OPTIONS = {cap: {k: v for k, v in opts.items() if v} for cap, opts in PSDESK_ADAPTER_OPTIONS.items()}
# Per-target token buckets override the defaults in psdesk/notifications/delivery.py (first use
# seeds a TargetBudget row, editable in admin afterwards).
PSDESK_OUTBOX_BUDGETS: dict[str, dict[str, float]] = {}
# Enqueue a django.tasks delivery task after each commit (off only in benchmarks driving delivery).
PSDESK_OUTBOX_ENQUEUE_TASKS = True
# At most this many delivery tasks wait in the queue (one per worker; each drains everything due).
# A burst of commits enqueues at most this many, on either task backend (docs/deploy.md, "Workers").
PSDESK_OUTBOX_WORKERS = int(os.environ.get("PSDESK_OUTBOX_WORKERS", "2"))
# The delivery task's claim loop: messages claimed per transaction; how long one task drains before
# it hands the worker back to the other queues; and, once nothing is due, how long it keeps polling
# (a short poll doubling from MIN to MAX seconds, back to MIN after each message) before it returns.
# Under a steady stream a running task picks each commit up within ~MIN seconds; an idle worker
# costs nothing once LINGER has passed (it waits on the task queue again: `db_worker --interval`).
PSDESK_OUTBOX_BATCH = int(os.environ.get("PSDESK_OUTBOX_BATCH", "20"))
PSDESK_OUTBOX_DRAIN_SECONDS = float(os.environ.get("PSDESK_OUTBOX_DRAIN_SECONDS", "30"))
PSDESK_OUTBOX_LINGER_SECONDS = float(os.environ.get("PSDESK_OUTBOX_LINGER_SECONDS", "2"))
PSDESK_OUTBOX_POLL_MIN_SECONDS = float(os.environ.get("PSDESK_OUTBOX_POLL_MIN_SECONDS", "0.005"))
PSDESK_OUTBOX_POLL_MAX_SECONDS = float(os.environ.get("PSDESK_OUTBOX_POLL_MAX_SECONDS", "0.25"))
# With the Redis task backend the count of waiting wake-ups is a Redis key that expires this long
# after the last wake-up (a wake-up lost before it ran then costs one extra later, never a miss).
PSDESK_OUTBOX_WAKE_STALE_SECONDS = float(os.environ.get("PSDESK_OUTBOX_WAKE_STALE_SECONDS", "60"))
# Shared secrets of inbound webhooks (HMAC-SHA256), per source.
PSDESK_WEBHOOK_SECRETS = {"crm": os.environ.get("PSDESK_CRM_WEBHOOK_SECRET", "" if PRODUCTION else "dev-crm-secret")}
PSDESK_WEBHOOK_TOLERANCE_SECONDS = 300
# The Slack app (psdesk/chatops, docs/howto/slack.md): Slack signs every request with this secret.
PSDESK_SLACK_SIGNING_SECRET = os.environ.get("SLACK_SIGNING_SECRET", "")
# --- end notifications & integrations ---------------------------------------------------------
