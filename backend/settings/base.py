"""Settings shared by every environment; each value can come from the environment."""

from pathlib import Path

from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_int, env_list, env_str, photo_storage, replica_databases

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("HOTLINE_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "insecure-dev-key-change-me")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
# `manage.py seed_demo` (accounts with a published password) runs only where this is on:
# development and tests, never production.
DEMO_DATA_ALLOWED = False

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",  # pg_trgm indexes for the staff text search
    "rest_framework",
    "rest_framework_gis",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "procrastinate.contrib.django",
    "backend.common",
    "backend.accounts",
    "geo",
    "backend.units",
    "backend.incidents",
    "backend.staff",
    "backend.notifications",
    "backend.open311",
    "backend.transparency",
    "backend.contact",
    "backend.portal",
    "backend.conversations",
    "backend.mailbox",
]

MIDDLEWARE = [
    # first: a view that lost the database answers 503 + Retry-After (backend/common/unavailable.py)
    "backend.common.unavailable.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "backend.http_errors.RejectNulMiddleware",  # NUL in a path or query: 400, never a 500
    # static files from STATIC_ROOT (collectstatic), compressed and cached forever by name
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # read-only views on a healthy replica, a writer's next reads on the primary
    "backend.common.replicas.ReplicaReadsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "backend.staff.two_factor.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "backend.urls"
# Streaming replicas (DATABASE_REPLICA_URLS, comma-separated; DATABASES replica1, replica2, …):
# views marked `reads_from_replica` read there while the replica is up and at most
# REPLICA_MAX_LAG_SECONDS behind (checked every REPLICA_CHECK_SECONDS per process); a browser
# that just wrote reads from the primary for REPLICA_STICKY_SECONDS. Writes: always the primary.
DATABASE_ROUTERS = ["backend.common.replicas.ReplicaRouter"]
DATABASE_REPLICAS = replica_databases(env_list("DATABASE_REPLICA_URLS", []))
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 5)
REPLICA_CHECK_SECONDS = env_int("REPLICA_CHECK_SECONDS", 2)
REPLICA_STICKY_SECONDS = env_int("REPLICA_STICKY_SECONDS", 15)
WSGI_APPLICATION = "backend.wsgi.application"
ASGI_APPLICATION = "backend.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "backend" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Vietnamese first, English second. Stored in UTC, shown in Asia/Ho_Chi_Minh.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Ho_Chi_Minh"

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Browser libraries come from the npm registry (package.json, `make assets` runs npm ci) and are
# served from node_modules under /static/vendor/ — no CDN at run time.
STATICFILES_DIRS = [
    ("vendor/maplibre-gl", BASE_DIR / "node_modules" / "maplibre-gl" / "dist"),
    ("vendor/chart.js", BASE_DIR / "node_modules" / "chart.js" / "dist"),
    ("vendor/pmtiles", BASE_DIR / "node_modules" / "pmtiles" / "dist"),
]
# Staff map basemap (streets under the pins): an XYZ raster URL ({z}/{x}/{y}) — by default
# OpenStreetMap's public tiles (mind their usage policy; a city with traffic should host its own)
# — or a self-hosted single-file archive as `pmtiles://https://…/city.pmtiles` (raster or vector),
# with MAP_BASEMAP_ATTRIBUTION; empty = no basemap, ward boundaries only (tests, offline).
MAP_BASEMAP_URL = env_str("MAP_BASEMAP_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_BASEMAP_ATTRIBUTION = env_str("MAP_BASEMAP_ATTRIBUTION", "© OpenStreetMap contributors")
# Lifetime of the map's tile tokens (backend/staff/map_tokens.py): how long a token keeps the
# scope it was issued with. The page renews its token at half this age.
MAP_TOKEN_SECONDS = env_int("MAP_TOKEN_SECONDS", 120)
LOGIN_URL = "staff-login"
# The address residents reach the public portal at; links in SMS, e-mail and chat replies use it.
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
LOGIN_REDIRECT_URL = "staff-map"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("HOTLINE_MEDIA_ROOT", str(VAR_DIR / "media")))
# Photos: local files by default, S3-compatible object storage with S3_BUCKET (env.photo_storage).
# Static files: hashed names (collectstatic writes the manifest) served by WhiteNoise with
# far-future caching; with DEBUG (make dev, tests) Django's finders serve them unhashed.
STORAGES = {
    "default": photo_storage(),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Photos on the local disk are served by the app itself under MEDIA_URL (one machine, `make run`);
# set HOTLINE_SERVE_MEDIA=0 where nginx serves MEDIA_ROOT, or the photos are in S3.
SERVE_MEDIA = env_bool("HOTLINE_SERVE_MEDIA", not env_str("S3_BUCKET", ""))

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "backend.common.schema.AutoSchema",
    "EXCEPTION_HANDLER": "backend.common.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "backend.common.renderers.JSONRenderer",  # datetimes with the local offset
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "hotline1022 API",
    "DESCRIPTION": "Cổng tiếp nhận phản ánh 1022 — civic incident platform API",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "backend.common.schema.document_healthz",
    ],
    "ENUM_NAME_OVERRIDES": {
        "IncidentStatusEnum": "backend.incidents.models.Status",
        "Open311StatusEnum": ["open", "closed"],
    },
}

# Debian 12 ships GDAL 3.6, older than Django 6.1 supports officially (gis.W001).
# We use GDAL only to read boundary files in geo/loaders.py, and the loader tests
# exercise that path against this very GDAL, so the warning is silenced deliberately.
# Set GDAL_LIBRARY_PATH to a newer libgdal to use it instead.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]
if gdal_path := env_str("GDAL_LIBRARY_PATH", ""):
    GDAL_LIBRARY_PATH = gdal_path

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"procrastinate": {"level": "WARNING"}},
}

# Retry-After of a 503 while the database (or photo storage) is unavailable.
UNAVAILABLE_RETRY_AFTER_SECONDS = env_int("UNAVAILABLE_RETRY_AFTER_SECONDS", 5)

HOTLINE_PAGE_SIZE_MAX = env_int("HOTLINE_PAGE_SIZE_MAX", 200)

# Staff handling (issue 4): office hours on working days, Asia/Ho_Chi_Minh; SLA fallback when a
# category has no policy; export size cap.
HOTLINE_OFFICE_HOURS = [("07:30", "11:30"), ("13:00", "17:00")]
HOTLINE_WORKING_WEEKDAYS = (0, 1, 2, 3, 4)  # Monday..Friday
HOTLINE_HOLIDAY_COUNTRY = "VN"
HOTLINE_DEFAULT_SLA = (env_int("HOTLINE_DEFAULT_SLA_DAYS", 5), "working_days")
HOTLINE_EXPORT_MAX_ROWS = env_int("HOTLINE_EXPORT_MAX_ROWS", 50_000)

# Resident sign-in (mobile API): SMS one-time codes and bearer tokens.
SMS_GATEWAY = env_str("SMS_GATEWAY", "backend.accounts.sms.ConsoleGateway")
SMS_HTTP_URL = env_str("SMS_HTTP_URL", "")
SMS_HTTP_TOKEN = env_str("SMS_HTTP_TOKEN", "")
SMS_SENDER = env_str("SMS_SENDER", "HOTLINE1022")
SMS_HTTP_TIMEOUT_SECONDS = env_int("SMS_HTTP_TIMEOUT_SECONDS", 10)
SMS_HTTP_USERNAME = env_str("SMS_HTTP_USERNAME", "")  # HTTP basic auth instead of the token
SMS_HTTP_PASSWORD = env_str("SMS_HTTP_PASSWORD", "")
SMS_HTTP_CONTENT_TYPE = env_str("SMS_HTTP_CONTENT_TYPE", "application/json")
# string.Template with $to, $text, $sender (escaped for the content type); empty: JSON
# {"to", "text", "sender"}. E.g. form: "phone=$to&message=$text&brandname=$sender".
SMS_HTTP_BODY_TEMPLATE = env_str("SMS_HTTP_BODY_TEMPLATE", "")
OTP_LENGTH = env_int("OTP_LENGTH", 6)
OTP_TTL_SECONDS = env_int("OTP_TTL_SECONDS", 300)
OTP_RESEND_SECONDS = env_int("OTP_RESEND_SECONDS", 60)
OTP_MAX_PER_HOUR = env_int("OTP_MAX_PER_HOUR", 5)
OTP_MAX_ATTEMPTS = env_int("OTP_MAX_ATTEMPTS", 5)
AUTH_ACCESS_TTL_SECONDS = env_int("AUTH_ACCESS_TTL_SECONDS", 24 * 3600)
AUTH_REFRESH_TTL_SECONDS = env_int("AUTH_REFRESH_TTL_SECONDS", 90 * 24 * 3600)
# Report photos: limits checked before decoding, output sizes of the clean copies.
PHOTO_MAX_BYTES = env_int("PHOTO_MAX_BYTES", 20 * 1024 * 1024)
PHOTO_MAX_PIXELS = env_int("PHOTO_MAX_PIXELS", 50_000_000)
PHOTO_DISPLAY_MAX = env_int("PHOTO_DISPLAY_MAX", 1600)
PHOTO_THUMB_MAX = env_int("PHOTO_THUMB_MAX", 320)
# Uploads: hashed while they stream in (photos record the original's SHA-256 without a second
# pass over the bytes), kept in memory when the whole request body is at most
# FILE_UPLOAD_MAX_MEMORY_SIZE, else streamed to temporary files (backend/common/uploads.py).
# 8 MB holds a report with one or two phone photos (12 MP ≈ 2–5 MB) and saves writing, reading
# back and deleting a temporary file (~1.5 ms CPU per 3 MB photo). Memory: at most 8 MB of
# upload per request in flight, i.e. ≤ workers × threads × 8 MB (gthread, 4 threads: ≤ 32 MB
# per worker process); measured +5–6 MB RSS per thread that has handled a photo (glibc keeps it,
# see backend/common/memory.py). FILE_UPLOAD_MAX_MEMORY_SIZE=2621440 restores Django's default.
FILE_UPLOAD_HANDLERS = ["backend.common.uploads.HashingUploadHandler"]
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("FILE_UPLOAD_MAX_MEMORY_SIZE", 8 * 1024 * 1024)
# The app must attach at least this many photos (other channels may file without any).
MOBILE_REPORT_MIN_PHOTOS = env_int("MOBILE_REPORT_MIN_PHOTOS", 1)
# Public statistics (backend/transparency/figures.py): counted again after this many seconds
# for a period still running, after the second figure for a past one; the periodic job
# re-counts the current quarter and the trend on this schedule, before they expire.
PUBLIC_STATS_CACHE_SECONDS = env_int("PUBLIC_STATS_CACHE_SECONDS", 600)
PUBLIC_STATS_PAST_CACHE_SECONDS = env_int("PUBLIC_STATS_PAST_CACHE_SECONDS", 6 * 3600)
PUBLIC_STATS_REFRESH_CRON = env_str("PUBLIC_STATS_REFRESH_CRON", "*/5 * * * *")
# The licence of the open data (statistics downloads, CSV and GeoJSON).
OPEN_DATA_LICENSE = env_str(
    "OPEN_DATA_LICENSE",
    "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/) — Cổng 1022, TP. Hồ Chí Minh",
)
# The public "already reported?" check (web form), per client address.
PUBLIC_THROTTLE_SIMILAR = env_str("PUBLIC_THROTTLE_SIMILAR", "60/minute")
# Mobile API throttles (per user, or per client IP before sign-in).
MOBILE_THROTTLE_RATES = {
    "otp": env_str("MOBILE_THROTTLE_OTP", "10/hour"),
    "sign_in": env_str("MOBILE_THROTTLE_SIGN_IN", "30/hour"),
    "submit": env_str("MOBILE_THROTTLE_SUBMIT", "30/hour"),
    "default": env_str("MOBILE_THROTTLE_DEFAULT", "600/minute"),
    "similar": env_str("MOBILE_THROTTLE_SIMILAR", "60/minute"),  # "already reported?"
}
# The residents' portal (backend/portal): sign-in codes and sign-ins per client address, reports
# per resident and per address, report look-ups per address, everything else per client.
PORTAL_THROTTLE_RATES = {
    "code": env_str("PORTAL_THROTTLE_CODE", "10/hour"),
    "sign_in": env_str("PORTAL_THROTTLE_SIGN_IN", "30/hour"),
    "submit": env_str("PORTAL_THROTTLE_SUBMIT", "30/hour"),
    "submit_address": env_str("PORTAL_THROTTLE_SUBMIT_ADDRESS", "60/hour"),
    "lookup": env_str("PORTAL_THROTTLE_LOOKUP", "300/hour"),
    "default": env_str("PORTAL_THROTTLE_DEFAULT", "600/minute"),
}

# Push (FCM HTTP v1 through firebase-admin's public API, backend/notifications/push.py). Without a
# service account file push is off (deliveries are recorded as skipped) unless FCM_ENABLED says
# otherwise. The SDK always calls https://fcm.googleapis.com; an egress proxy comes from
# HTTPS_PROXY/NO_PROXY (tests and bench route to a fake FCM server on 127.0.0.1 that way).
FCM_CREDENTIALS_FILE = env_str("FCM_CREDENTIALS_FILE", "")
FCM_PROJECT_ID = env_str("FCM_PROJECT_ID", "")  # default: the service account's
FCM_ENABLED = env_bool("FCM_ENABLED", bool(FCM_CREDENTIALS_FILE))
FCM_TIMEOUT_SECONDS = env_int("FCM_TIMEOUT_SECONDS", 10)
# A status change with more push deliveries than this is split into jobs of this many, which
# every worker takes from the queue; smaller ones are sent by the status change's own job.
FCM_JOB_DELIVERIES = env_int("FCM_JOB_DELIVERIES", 500)
# Deliveries locked (SKIP LOCKED) and sent together: what a killed worker may leave in flight.
FCM_BATCH_SIZE = env_int("FCM_BATCH_SIZE", 100)
# Messages in flight per worker: each send_each call gets at most this many (a thread each).
FCM_MAX_CONNECTIONS = env_int("FCM_MAX_CONNECTIONS", 100)
FCM_MAX_ATTEMPTS = env_int("FCM_MAX_ATTEMPTS", 6)
FCM_RETRY_BASE_SECONDS = env_int("FCM_RETRY_BASE_SECONDS", 15)  # 15, 30, 60, … s
FCM_RETRY_MAX_SECONDS = env_int("FCM_RETRY_MAX_SECONDS", 3600)
FCM_ANDROID_CHANNEL = env_str("FCM_ANDROID_CHANNEL", "report_status")
FCM_TTL_SECONDS = env_int("FCM_TTL_SECONDS", 3 * 24 * 3600)

# Open311 GeoReport v2 (/open311/v2/) and the public statistics (issue 7). Client keys are issued
# in the admin (accounts.ApiClient, each with its own rate); requests without a key are limited
# per client IP.
OPEN311_JURISDICTION_ID = env_str("OPEN311_JURISDICTION_ID", "hochiminhcity.gov.vn")
OPEN311_CONTACT = env_str("OPEN311_CONTACT", "Tổng đài 1022 — 1022@tphcm.gov.vn")
OPEN311_KEY_SERVICE = env_str(
    "OPEN311_KEY_SERVICE", "Đề nghị cấp api_key: 1022@tphcm.gov.vn / API keys: 1022@tphcm.gov.vn"
)
OPEN311_CHANGESET = "2026-11-23T00:00:00+07:00"
OPEN311_ANONYMOUS_RATE = env_str("OPEN311_ANONYMOUS_RATE", "600/hour")
OPEN311_MAX_PAGE_SIZE = 1000
OPEN311_DEFAULT_RADIUS_M = env_int("OPEN311_DEFAULT_RADIUS_M", 500)
OPEN311_MAX_RADIUS_M = env_int("OPEN311_MAX_RADIUS_M", 20_000)

# Reminders and escalation (issue 5): a sweep every 15 minutes. A reminder to the assigned unit
# when a report is due within REMINDER_DUE_WITHIN_HOURS; an overdue alert to the unit leader; an
# escalation to the parent unit's leader REMINDER_ESCALATE_AFTER_HOURS after the deadline. Reports
# overdue for longer than REMINDER_LOOKBACK_DAYS are left alone (no flood on the first run).
REMINDER_SWEEP_CRON = env_str("REMINDER_SWEEP_CRON", "*/15 * * * *")  # UTC; minutes only
REMINDER_DUE_WITHIN_HOURS = env_int("REMINDER_DUE_WITHIN_HOURS", 24)
REMINDER_ESCALATE_AFTER_HOURS = env_int("REMINDER_ESCALATE_AFTER_HOURS", 48)
REMINDER_LOOKBACK_DAYS = env_int("REMINDER_LOOKBACK_DAYS", 7)
REMINDER_SWEEP_LIMIT = env_int("REMINDER_SWEEP_LIMIT", 5000)  # per level and sweep
# Weekly digest to unit leaders: "<weekday> HH:MM" in TIME_ZONE (converted to UTC cron once, in
# backend/notifications/schedule.py); the digest covers the 7 days before that instant.
DIGEST_SCHEDULE = env_str("DIGEST_SCHEDULE", "FRI 15:00")
# Status changes by SMS / e-mail to reporters without an active app device (hotline, web).
STATUS_SMS_FALLBACK = env_bool("STATUS_SMS_FALLBACK", True)
STATUS_EMAIL_FALLBACK = env_bool("STATUS_EMAIL_FALLBACK", True)
# Chat channels (backend/conversations, backend/notifications/zalo.py, messenger.py). The base
# URLs are settings so that tests talk to fakes on 127.0.0.1. The Zalo OA tokens live in the
# database (ZaloToken); ZALO_ACCESS_TOKEN/ZALO_REFRESH_TOKEN only seed its first row.
ZALO_APP_ID = env_str("ZALO_APP_ID", "")
ZALO_APP_SECRET_KEY = env_str("ZALO_APP_SECRET_KEY", "")  # header of the token refresh
ZALO_OA_SECRET_KEY = env_str("ZALO_OA_SECRET_KEY", "")  # the webhook's MAC
ZALO_ACCESS_TOKEN = env_str("ZALO_ACCESS_TOKEN", "")
ZALO_REFRESH_TOKEN = env_str("ZALO_REFRESH_TOKEN", "")
ZALO_API_URL = env_str("ZALO_API_URL", "https://openapi.zalo.me")
ZALO_OAUTH_URL = env_str("ZALO_OAUTH_URL", "https://oauth.zaloapp.com")
ZALO_TOKEN_REFRESH_MARGIN_SECONDS = env_int("ZALO_TOKEN_REFRESH_MARGIN_SECONDS", 3600)
ZALO_WEBHOOK_MAX_AGE_SECONDS = env_int("ZALO_WEBHOOK_MAX_AGE_SECONDS", 600)
ZALO_WINDOW_HOURS = env_int("ZALO_WINDOW_HOURS", 7 * 24)  # consultation messages after the last
MESSENGER_APP_SECRET = env_str("MESSENGER_APP_SECRET", "")
MESSENGER_VERIFY_TOKEN = env_str("MESSENGER_VERIFY_TOKEN", "")
MESSENGER_PAGE_ACCESS_TOKEN = env_str("MESSENGER_PAGE_ACCESS_TOKEN", "")
MESSENGER_GRAPH_URL = env_str("MESSENGER_GRAPH_URL", "https://graph.facebook.com/v21.0")
MESSENGER_WINDOW_HOURS = env_int("MESSENGER_WINDOW_HOURS", 24)  # the standard messaging window
CHAT_HTTP_TIMEOUT_SECONDS = env_int("CHAT_HTTP_TIMEOUT_SECONDS", 10)
CHAT_PHOTO_MAX_BYTES = env_int("CHAT_PHOTO_MAX_BYTES", 10 * 1024 * 1024)
CHAT_PHOTO_TIMEOUT_SECONDS = env_int("CHAT_PHOTO_TIMEOUT_SECONDS", 10)
# Inbound SMS from the gateway: HMAC-SHA256 over "<timestamp>.<body>" with SMS_INBOUND_SECRET.
SMS_INBOUND_SECRET = env_str("SMS_INBOUND_SECRET", "")
SMS_INBOUND_MAX_SKEW_SECONDS = env_int("SMS_INBOUND_MAX_SKEW_SECONDS", 300)
# A conversation left unfinished this long is closed politely (swept every 15 minutes).
CONVERSATION_IDLE_HOURS = env_int("CONVERSATION_IDLE_HOURS", 12)
CONVERSATION_IDLE_CRON = env_str("CONVERSATION_IDLE_CRON", "*/15 * * * *")
CHAT_MAX_ATTEMPTS = env_int("CHAT_MAX_ATTEMPTS", 6)
CHAT_RETRY_BASE_SECONDS = env_int("CHAT_RETRY_BASE_SECONDS", 15)  # 15, 30, 60, … s
CHAT_RETRY_MAX_SECONDS = env_int("CHAT_RETRY_MAX_SECONDS", 1800)
# SMS and e-mail notices (reminders, alerts, digest, fallbacks): retries with backoff.
NOTICE_MAX_ATTEMPTS = env_int("NOTICE_MAX_ATTEMPTS", 5)
NOTICE_RETRY_BASE_SECONDS = env_int("NOTICE_RETRY_BASE_SECONDS", 60)  # 60, 120, 240, … s
NOTICE_RETRY_MAX_SECONDS = env_int("NOTICE_RETRY_MAX_SECONDS", 3600)
# E-mail through Django's mailers (Django 6.1 replaces the EMAIL_* settings with MAILERS): the
# console backend by default; EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend + EMAIL_*
# for a real SMTP relay.
_EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
_SMTP_OPTIONS = {
    "host": env_str("EMAIL_HOST", "localhost"),
    "port": env_int("EMAIL_PORT", 25),
    "username": env_str("EMAIL_HOST_USER", ""),
    "password": env_str("EMAIL_HOST_PASSWORD", ""),
    "use_tls": env_bool("EMAIL_USE_TLS", False),
    "timeout": env_int("EMAIL_TIMEOUT", 20),
}
MAILERS = {
    "default": {
        "BACKEND": _EMAIL_BACKEND,
        "OPTIONS": _SMTP_OPTIONS if _EMAIL_BACKEND.endswith("smtp.EmailBackend") else {},
    }
}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Tổng đài 1022 <no-reply@1022.tphcm.gov.vn>")
# Message-IDs of the update mails to residents (backend/notifications/mail_thread.py): a reply
# naming one of them finds its report again.
MAIL_MESSAGE_ID_DOMAIN = env_str("MAIL_MESSAGE_ID_DOMAIN", "1022.tphcm.gov.vn")
# The city's 1022 mailbox read over IMAP (backend/mailbox/): a poll every MAILBOX_POLL_CRON
# (UTC) by a worker; off while MAILBOX_IMAP_HOST is empty. Each new mail of MAILBOX_FOLDER
# becomes a report (or an addition to one, or an item of the triage inbox) and is then moved to
# MAILBOX_DONE_FOLDER (empty: flagged \Seen + keyword and left in place). Mails over
# MAILBOX_MAX_BYTES or that cannot be read stay in MAILBOX_FOLDER with MAILBOX_KEEP_KEYWORD,
# each listed in the triage inbox for an operator. Replies go out with REPLY_TO = the mailbox.
MAILBOX_IMAP_HOST = env_str("MAILBOX_IMAP_HOST", "")
MAILBOX_IMAP_PORT = env_int("MAILBOX_IMAP_PORT", 993)
MAILBOX_IMAP_TLS = env_bool("MAILBOX_IMAP_TLS", True)  # IMAPS; False: plaintext (loopback only)
MAILBOX_IMAP_USER = env_str("MAILBOX_IMAP_USER", "")
MAILBOX_IMAP_PASSWORD = env_str("MAILBOX_IMAP_PASSWORD", "")
MAILBOX_IMAP_TIMEOUT = env_int("MAILBOX_IMAP_TIMEOUT", 30)
MAILBOX_FOLDER = env_str("MAILBOX_FOLDER", "INBOX")
MAILBOX_DONE_FOLDER = env_str("MAILBOX_DONE_FOLDER", "Processed")
MAILBOX_POLL_CRON = env_str("MAILBOX_POLL_CRON", "* * * * *")
MAILBOX_BATCH = env_int("MAILBOX_BATCH", 200)  # mails per poll at most
# Threads of one worker's poll, each with its own IMAP session and database connection: the
# photo work of one mail overlaps the rest of another (backend/mailbox/imap.py). 1: no threads.
MAILBOX_THREADS = env_int("MAILBOX_THREADS", 2)
MAILBOX_MAX_BYTES = env_int("MAILBOX_MAX_BYTES", 25 * 1024 * 1024)
MAILBOX_ADDRESS = env_str("MAILBOX_ADDRESS", "1022@tphcm.gov.vn")
# Faults (backend/notifications/recovery.py, worker_loop.py): workers beat every
# JOBS_HEARTBEAT_SECONDS; the jobs of a worker silent for JOBS_STALLED_AFTER_SECONDS are retried
# by the recovery jobs (every JOBS_RECOVERY_CRON, UTC; 6 fields = with seconds). A pending
# delivery/notice without a job gets one after ORPHAN_MIN_AGE_SECONDS, up to ORPHAN_MAX_AGE_HOURS;
# a weekly digest missed (worker down at the tick) is sent up to DIGEST_CATCH_UP_HOURS late.
JOBS_HEARTBEAT_SECONDS = env_int("JOBS_HEARTBEAT_SECONDS", 10)
JOBS_STALLED_AFTER_SECONDS = env_int("JOBS_STALLED_AFTER_SECONDS", 60)
JOBS_RECOVERY_CRON = env_str("JOBS_RECOVERY_CRON", "* * * * *")
ORPHAN_MIN_AGE_SECONDS = env_int("ORPHAN_MIN_AGE_SECONDS", 600)
ORPHAN_MAX_AGE_HOURS = env_int("ORPHAN_MAX_AGE_HOURS", 72)
DIGEST_CATCH_UP_HOURS = env_int("DIGEST_CATCH_UP_HOURS", 72)
# procrastinate workers remember each failed job's last exception (manage.py jobs_failed): the
# app is configured by a dotted path, so settings import no project module.
PROCRASTINATE_ON_APP_READY = "backend.notifications.job_errors.on_app_ready"
# periodic recovery jobs (`manage.py worker` adds the heartbeat options above)
PROCRASTINATE_IMPORT_PATHS = ["backend.notifications.recovery", "backend.notifications.alert_jobs"]

# Client addresses (backend/common/client_address.py): X-Forwarded-For is believed only from
# these proxies — addresses or CIDR networks of the load balancer / TLS proxy in front of the
# web processes. Empty (the default): the socket's address, whatever the headers say.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])

# Caches: throttle counters (and the sign-in lockouts) must be shared by every web process on
# every machine, or each process counts on its own and a limit is N times looser. Default: a cache
# in PostgreSQL (table `hotline_cache`, created by migration common.0001), so the embedded set-up
# needs no other server: backend/common/cache.py, Django's DatabaseCache with one statement per
# read or write instead of five per write (a throttled request paid six round trips).
# CACHE_URL=redis://host:6379/0 (or rediss://) uses Redis instead. CACHE_KEY_PREFIX separates
# deployments sharing one Redis.
CACHE_URL = env_str("CACHE_URL", "")
_CACHE_OPTIONS = {"KEY_PREFIX": env_str("CACHE_KEY_PREFIX", ""), "TIMEOUT": 3600}
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            **_CACHE_OPTIONS,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "backend.common.cache.PostgresCache",
            "LOCATION": "hotline_cache",
            **_CACHE_OPTIONS,
            # every ~CULL_EVERY writes a process deletes the expired rows, and while the table is
            # above MAX_ENTRIES 1/CULL_FREQUENCY of the live ones (those closest to expiry) too —
            # keep it well above the callers counted in an hour
            "OPTIONS": {
                "MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 200_000),
                "CULL_FREQUENCY": 10,
                "CULL_EVERY": env_int("CACHE_CULL_EVERY", 500),
            },
        }
    }

# Staff sign-in (/login/, backend/accounts/sign_in_guard.py): failures per username and per
# address within the window lock that username / address out (429 + Retry-After) until the
# lockout ends or an admin lifts it (admin → Khoá đăng nhập). Every attempt is in the audit log.
STAFF_SIGN_IN_MAX_FAILURES_PER_USERNAME = env_int("STAFF_SIGN_IN_MAX_FAILURES_PER_USERNAME", 5)
STAFF_SIGN_IN_MAX_FAILURES_PER_ADDRESS = env_int("STAFF_SIGN_IN_MAX_FAILURES_PER_ADDRESS", 20)
STAFF_SIGN_IN_WINDOW_SECONDS = env_int("STAFF_SIGN_IN_WINDOW_SECONDS", 15 * 60)
STAFF_SIGN_IN_LOCKOUT_SECONDS = env_int("STAFF_SIGN_IN_LOCKOUT_SECONDS", 15 * 60)
# TOTP two-factor (django-otp): roles that must use it (superusers count as admin); empty = optional
# for everyone. Any staff member can enrol at /login/two-factor/.
STAFF_2FA_REQUIRED_ROLES = env_list("STAFF_2FA_REQUIRED_ROLES", ["supervisor", "admin"])
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Hotline 1022")

# Contact centre: the telephone system (PBX/CTI) signs its webhook with HMAC-SHA256 of
# "<timestamp>.<body>" under this shared secret; empty = webhook refused. Events older or newer
# than CTI_MAX_SKEW_SECONDS are refused too (replays).
CTI_SHARED_SECRET = env_str("CTI_SHARED_SECRET", "")
CTI_MAX_SKEW_SECONDS = env_int("CTI_MAX_SKEW_SECONDS", 300)
# Emergency lane: the unit's on-duty contact (duty roster, else its leader) and the city's duty
# officer (on-duty of EMERGENCY_CITY_UNIT) are alerted at once; while the report is not received,
# every EMERGENCY_ACK_MINUTES the alert goes one unit further up the ladder (sweep every minute).
EMERGENCY_ACK_MINUTES = env_int("EMERGENCY_ACK_MINUTES", 15)
EMERGENCY_CITY_UNIT = env_str("EMERGENCY_CITY_UNIT", "vp-ubnd-tp")
EMERGENCY_SWEEP_CRON = env_str("EMERGENCY_SWEEP_CRON", "* * * * *")  # UTC
