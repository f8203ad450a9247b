"""Django settings for Xinyong, configured from the environment.

XINYONG_ENV selects development (default), test or production. Production refuses to start with DEBUG on,
a missing or default secret key, or without HTTPS settings (Art 15: classified protection; security
requirement 21). See docs/operations/configuration.md for every variable.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from xinyong.settings_checks import production_problems

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("XINYONG_VAR_DIR", BASE_DIR / "var"))
ENVIRONMENT = os.environ.get("XINYONG_ENV", "development")
if ENVIRONMENT not in {"development", "test", "production"}:
    raise ImproperlyConfigured(f"XINYONG_ENV must be development, test or production, not {ENVIRONMENT!r}")
PRODUCTION = ENVIRONMENT == "production"


def _env_flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _development_secret_key() -> str:
    # A development key is generated once per checkout and kept under var/, never in the repository.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = _env_flag("XINYONG_DEBUG", default=ENVIRONMENT == "development")
SECRET_KEY = os.environ.get("XINYONG_SECRET_KEY") or ("" if PRODUCTION else _development_secret_key())
ALLOWED_HOSTS = [h for h in os.environ.get("XINYONG_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("XINYONG_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# The portal's public address, printed in credit reports' QR codes and verification links (Art 21).
XINYONG_PUBLIC_URL = os.environ.get("XINYONG_PUBLIC_URL", "" if PRODUCTION else "http://127.0.0.1:8000")

HTTPS = _env_flag("XINYONG_HTTPS", default=False)
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("XINYONG_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    if _env_flag("XINYONG_BEHIND_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts, styles, fonts and connections from the platform itself only; no
# inline script, inline style or event handler runs, no plugin loads, no other site frames a page (Art 15: MLPS
# level 3; docs/operations/accounts-and-security.md). Images may also be data: URLs (QR codes, icons).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        **({"upgrade-insecure-requests": True} if HTTPS else {}),
    },
}
# Browser features no page of the platform uses are switched off (security headers, xinyong.core.middleware).
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), hid=(), "
    "midi=(), magnetometer=(), gyroscope=(), accelerometer=(), display-capture=()"
)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # django-ninja's own templates and vendored Swagger UI for /api/v1/docs (no CDN, no inline script).
    "ninja",
    "xinyong.core",
    "xinyong.regulation",
    "xinyong.audit",
    "xinyong.accounts",
    "xinyong.exports",
    "xinyong.subjects",
    "xinyong.catalog",
    "xinyong.records",
    "xinyong.ingestion",
    "xinyong.reports",
    "xinyong.disclosure",
    "xinyong.lists",
    "xinyong.measures",
    "xinyong.notifications",
    "xinyong.rights",
    "xinyong.web",
    "xinyong.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "xinyong.core.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "xinyong.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Ends sessions past their idle or absolute limit, of disabled accounts, or without the staff second
    # factor (security requirements 3, 4); needs the session, the user and messages above it.
    "xinyong.accounts.middleware.SessionSecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "xinyong.urls"
WSGI_APPLICATION = "xinyong.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "xinyong.web.context_processors.navigation",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'xinyong.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL and a busy timeout let the web server and a background command share the embedded database.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("XINYONG_SQLITE_TEST_NAME", "")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:staff-login"
PASSWORD_HASHERS = ["xinyong.core.crypto.hashers.PBKDF2SM3PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = (
    8 * 60 * 60
)  # absolute limit; idle limits are enforced per account kind (security req. 3)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "xinyong" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"

# Background work (django-tasks): large submissions are processed by a worker, `xinyong db-worker`, with the
# database backend (django-tasks-db; the default in production). "immediate" runs a task at once, inside the
# request that enqueues it: the default in development and tests, where no worker runs.
TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
TASK_BACKEND = os.environ.get("XINYONG_TASK_BACKEND", "database" if PRODUCTION else "immediate")
if TASK_BACKEND not in TASK_BACKENDS:
    raise ImproperlyConfigured(f"XINYONG_TASK_BACKEND must be database or immediate, not {TASK_BACKEND!r}")
TASKS = {"default": {"BACKEND": TASK_BACKENDS[TASK_BACKEND]}}
INSTALLED_APPS.append("django_tasks_db")  # its table exists everywhere, whichever backend runs

# Submissions processed in the background (docs/operations/submissions.md): the directory of the encrypted
# uploads (created 0700; files 0600), and the batch lease — a process working on a batch extends it every
# quarter of its length; a batch whose lease has expired is taken over, at most this many times in all.
XINYONG_UPLOAD_DIR = Path(os.environ.get("XINYONG_UPLOAD_DIR", VAR_DIR / "ingestion" / "uploads"))
XINYONG_BATCH_LEASE_SECONDS = float(os.environ.get("XINYONG_BATCH_LEASE_SECONDS", "60"))
XINYONG_BATCH_MAX_ATTEMPTS = int(os.environ.get("XINYONG_BATCH_MAX_ATTEMPTS", "3"))
if XINYONG_BATCH_LEASE_SECONDS < 1 or XINYONG_BATCH_MAX_ATTEMPTS < 1:
    raise ImproperlyConfigured("XINYONG_BATCH_LEASE_SECONDS and XINYONG_BATCH_MAX_ATTEMPTS must be at least 1")

# Request bodies (issue 12 finding 5; docs/operations/configuration.md). Files are measured while they stream and
# refused past the limit of the view they are sent to, never read whole first (xinyong.core.uploads); a view without
# its own limit takes files up to XINYONG_UPLOAD_MAX_BYTES (a department's submission file, streamed to disk).
# Everything else in a body (a JSON batch of up to 10,000 records, form fields) is read into memory up to
# DATA_UPLOAD_MAX_MEMORY_SIZE; a request may carry at most so many files and fields.
XINYONG_UPLOAD_MAX_BYTES = int(os.environ.get("XINYONG_UPLOAD_MAX_BYTES", str(512 * 2**20)))
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("XINYONG_REQUEST_MAX_BYTES", str(16 * 2**20)))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 2**20  # a request larger than this keeps its files in temporary files, not memory
DATA_UPLOAD_MAX_NUMBER_FILES = 50  # a repair application: 10 files for each of 4 materials and a power of attorney
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
FILE_UPLOAD_HANDLERS = [
    "xinyong.core.uploads.SizeLimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Files attached to objections and repair applications (evidence, power of attorney, materials): PDF, PNG or
# JPEG, each at most this size (an operational limit, not a legal number).
XINYONG_CASE_FILE_MAX_BYTES = int(os.environ.get("XINYONG_CASE_FILE_MAX_BYTES", str(10 * 2**20)))
# The local time after which `xinyong scheduler` runs the day's jobs (docs/operations/scheduled-jobs.md).
XINYONG_DAILY_JOBS_AT = os.environ.get("XINYONG_DAILY_JOBS_AT", "00:30")

# Notifications (Art 24, 29; docs/operations/configuration.md): copies of inbox notices by email (Django's email
# framework) and text message (`XINYONG_SMS_BACKEND`), and the outbox's retries. Operational settings, not legal
# parameters. Without XINYONG_EMAIL_HOST, development and test write emails as files under var/mail/ (never to the
# log: they carry addresses); production sends through SMTP, to localhost:25 unless a host is given.
EMAIL_HOST = os.environ.get("XINYONG_EMAIL_HOST", "")
if EMAIL_HOST or PRODUCTION:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = EMAIL_HOST or "localhost"
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_PORT = int(os.environ.get("XINYONG_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("XINYONG_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("XINYONG_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = _env_flag("XINYONG_EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = _env_flag("XINYONG_EMAIL_USE_SSL", default=False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("XINYONG_EMAIL_USE_TLS and XINYONG_EMAIL_USE_SSL exclude each other")
EMAIL_TIMEOUT = int(os.environ.get("XINYONG_EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("XINYONG_EMAIL_FROM", "承德市公共信用信息平台 <noreply@localhost>")
SMS_BACKEND = os.environ.get("XINYONG_SMS_BACKEND", "xinyong.notifications.sms.LoggingSmsBackend")
# Seconds to wait after the 1st, 2nd, … failed attempt (the last value repeats); attempts before giving up.
NOTIFICATION_RETRY_DELAYS = [
    int(s) for s in os.environ.get("XINYONG_NOTIFICATION_RETRY_DELAYS", "60,300,1800,7200,21600").split(",")
    if s.strip()
]
NOTIFICATION_MAX_ATTEMPTS = int(os.environ.get("XINYONG_NOTIFICATION_MAX_ATTEMPTS", "6"))
if not NOTIFICATION_RETRY_DELAYS or min(NOTIFICATION_RETRY_DELAYS) < 1 or NOTIFICATION_MAX_ATTEMPTS < 1:
    raise ImproperlyConfigured(
        "XINYONG_NOTIFICATION_RETRY_DELAYS needs positive seconds and XINYONG_NOTIFICATION_MAX_ATTEMPTS at least 1"
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("XINYONG_LOG_LEVEL", "INFO")},
    # WeasyPrint logs every layout step at INFO; only its warnings matter in operation.
    "loggers": {"weasyprint": {"level": "WARNING"}, "weasyprint.progress": {"level": "WARNING"}},
}

if PRODUCTION:
    problems = production_problems(
        debug=DEBUG,
        secret_key=SECRET_KEY,
        https=HTTPS,
        allowed_hosts=ALLOWED_HOSTS,
        database_engine=DATABASES["default"]["ENGINE"],
        public_url=XINYONG_PUBLIC_URL,
    )
    if problems:
        raise ImproperlyConfigured("Refusing to start in production: " + "; ".join(problems))
