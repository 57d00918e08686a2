"""KAP Clinic settings: one file, driven by environment variables.

Every variable is parsed strictly: a value that does not parse stops the process at start with a
message naming the variable, rather than running a clinic on a silently wrong configuration.
README.md ("Configuration") lists every variable.
"""

import os
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_str(name: str, default: str) -> str:
    return os.environ.get(name) or default


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off")
    # Bandit B105 (password string) reviewed: debug mode only; with debug off a missing key
    # stops the start above.
    SECRET_KEY = "insecure-development-key-only-for-debug-mode-0123456789"  # nosec B105
# The key of the audit trail's seals (an HMAC chain), held outside the database so that whoever
# owns the tables cannot re-seal rows they rewrote. Empty: a key derived from SECRET_KEY. Set it
# in production and keep it when SECRET_KEY rotates: a new key breaks every existing seal.
AUDIT_SEAL_KEY = env_str("AUDIT_SEAL_KEY", "")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# --- HTTPS. On by default whenever debug is off; DJANGO_HTTPS=false is the one switch that
# turns off the redirect and secure cookies for a plain-http server (tests, a local demo).
HTTPS = env_bool("DJANGO_HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_bool("DJANGO_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Browser features the clinic never uses, refused on every response (kap_clinic.middleware).
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)
SESSION_COOKIE_HTTPONLY = True

# Automatic logoff after 15 idle minutes (HIPAA): the session expires 15 minutes after the last
# request, and closing the browser ends it.
SESSION_COOKIE_AGE = env_int("CLINIC_IDLE_LOGOFF_MINUTES", 15, minimum=1) * 60
# Shown to patients on every portal page, beside the crisis line.
CLINIC_PHONE = env_str("CLINIC_PHONE", "(555) 010-0100")
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

INSTALLED_APPS = [
    "kap_clinic.admin_site.ClinicAdminConfig",  # django.contrib.admin, the clinic's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    # Meta.triggers: the PostgreSQL guards of rows that never change (kap_clinic/triggers.py).
    "pgtrigger",
    "accounts",
    "audit",
    "patients",
    "screening",
    "sessions.apps.SessionsConfig",
    "integration",
    "notifications",
    "outcomes",
    "portal",
    "kap_clinic",
]

MIDDLEWARE = [
    # Outermost, so its headers reach every response, the other middlewares' refusals included.
    "kap_clinic.middleware.PrivacyHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "audit.context.AuditContextMiddleware",
    # Account security (docs/architecture.md, "Account security"): the second factor, the
    # user's list of sessions, and django-axes' lockout last, so its refusals are audited.
    "accounts.middleware.TwoFactorMiddleware",
    "accounts.middleware.SessionRecordMiddleware",
    "axes.middleware.AxesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "kap_clinic.urls"
WSGI_APPLICATION = "kap_clinic.wsgi.application"

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
                "kap_clinic.context_processors.clinic",
            ],
        },
    },
]

# --- Database. Default: an SQLite file in the checkout (the demo and a plain `make test`).
try:
    DATABASES = {
        "default": dj_database_url.parse(
            env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
            conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 600),
            conn_health_checks=True,
        )
    }
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL we can use: {error}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE: a write transaction takes the lock when it begins, so concurrent writers queue
    # instead of failing half-way with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# django-axes checks every sign-in before the password does (lockout, below).
AUTHENTICATION_BACKENDS = [
    "accounts.backends.ClinicAxesBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# --- Account security (docs/architecture.md, "Account security").
# Two-factor sign-in for every staff role and the admin site. Off only for `make demo`: pages
# then carry a "demo — two-factor off" banner and `check --deploy` warns when debug is off too.
TWO_FACTOR_REQUIRED = env_bool("CLINIC_TWO_FACTOR_REQUIRED", True)
# A browser that passed the second factor is trusted until the clinic's working day ends (local
# time, HH:MM); after that hour, until midnight. An idle sign-out then asks only for the password.
CLINIC_WORKDAY_ENDS = env_str("CLINIC_WORKDAY_ENDS", "20:00")
try:
    _hour, _minute = (int(part) for part in CLINIC_WORKDAY_ENDS.split(":"))
    if not (0 <= _hour < 24 and 0 <= _minute < 60):
        raise ValueError
except ValueError:
    raise ImproperlyConfigured(
        f"CLINIC_WORKDAY_ENDS must be a time of day such as 20:00, not {CLINIC_WORKDAY_ENDS!r}"
    ) from None
OTP_TOTP_ISSUER = "KAP Clinic"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# Lockout (django-axes): after 5 failed sign-ins for one account a cool-off; one address (IP)
# is cut off after its own limit of failures across accounts.
AXES_FAILURE_LIMIT = env_int("CLINIC_LOCKOUT_FAILURES", 5, minimum=1)
CLINIC_LOCKOUT_IP_FAILURES = env_int("CLINIC_LOCKOUT_IP_FAILURES", 30, minimum=1)
AXES_COOLOFF_MINUTES = env_int("CLINIC_LOCKOUT_MINUTES", 15, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=AXES_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 asks for "ip_address" among the parameters above; that would give an address the
# account's limit of 5. The clinic's handler adds its own per-address limit instead.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_HANDLER = "accounts.lockout.ClinicAxesHandler"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.locked_out_response"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False
AXES_DISABLE_ACCESS_LOG = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
try:
    TIME_ZONE = str(ZoneInfo(env_str("CLINIC_TIME_ZONE", "America/New_York")))
except (ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(
        f"CLINIC_TIME_ZONE must be an IANA time zone such as America/New_York, "
        f"not {os.environ.get('CLINIC_TIME_ZONE')!r}"
    ) from None
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
        if not DEBUG and env_bool("DJANGO_MANIFEST_STATIC", True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Content Security Policy: everything is served from this origin (no CDN).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# --- E-mail. Defaults to the console in debug and to SMTP otherwise.
EMAIL_BACKEND = env_str(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "KAP Clinic <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Django's file backend (DJANGO_EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend)
# writes each message under this folder: the tests' real workers, a demo without SMTP.
EMAIL_FILE_PATH = env_str("DJANGO_EMAIL_FILE_PATH", str(BASE_DIR / "sent-email"))

# --- Text messages (notifications.backends): console by default; the file backend for tests; a
# real provider is one more backend class named here.
SMS_BACKEND = env_str("SMS_BACKEND", "notifications.backends.ConsoleBackend")
SMS_FILE_PATH = env_str("SMS_FILE_PATH", str(BASE_DIR / "sent-sms"))
# The address links in e-mails start with (a staff alert's page, the patient's sign-in).
CLINIC_BASE_URL = env_str("CLINIC_BASE_URL", "http://localhost:8000").rstrip("/")
if not CLINIC_BASE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(
        f"CLINIC_BASE_URL must start with http:// or https://, not {CLINIC_BASE_URL!r}"
    )

# --- Celery: JSON only, late acks, far-future work lives in rows (DESIGN.md, "Celery").
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# A web request that queues a task after its commit waits at most ~0.5 s for a broker that is
# down (kombu's default is 6 s of retries): the row is stored, and the periodic dispatcher
# catches up when the broker is back. Workers reconnect on their own schedule.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.25,
    "interval_max": 0.25,
}
# Every periodic schedule is declared here, in one place.
CELERY_BEAT_SCHEDULE = {
    "seal-audit-events": {"task": "audit.tasks.seal_audit_events", "schedule": 60.0},
    # The whole chain, re-computed once a day at a quiet hour; a break alerts the administrators.
    "verify-audit-chain": {
        "task": "audit.tasks.verify_audit_chain",
        "schedule": crontab(hour=4, minute=30),
    },
    "dispatch-followups": {
        "task": "integration.followups.tasks.dispatch_followups",
        "schedule": 60.0,
    },
    "dispatch-messages": {"task": "notifications.tasks.dispatch_messages", "schedule": 60.0},
}
# A dispatcher's claim on a scheduled row lasts this long; a worker killed mid-task delays the
# row by at most this much before another claims it again.
SCHEDULE_LEASE_SECONDS = env_int("SCHEDULE_LEASE_SECONDS", 300, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    # WeasyPrint narrates every rendering step at INFO; keep its warnings only.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # django-axes narrates every sign-in at INFO; failures and lockouts are in the audit log.
        "axes": {"level": "ERROR"},
        # Their DEBUG records carry patients: a missing template variable's record holds the
        # template context's repr (`<Patient: Paula Reyes (KT000123)>`), a query's its parameters.
        # Pinned at INFO so DJANGO_LOG_LEVEL=DEBUG never writes names or MRNs
        # (tests/browser/test_phi_out_of_logs.py).
        "django.template": {"level": "INFO"},
        "django.db.backends": {"level": "INFO"},
    },
}
