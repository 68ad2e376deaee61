"""Settings shared by every environment; each value can come from the environment."""

from pathlib import Path

from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("HOTLINE_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "insecure-dev-key-change-me")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "rest_framework_gis",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "procrastinate.contrib.django",
    "backend.common",
    "backend.accounts",
    "geo",
    "backend.units",
    "backend.incidents",
    "backend.staff",
    "backend.notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "backend.urls"
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
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("HOTLINE_MEDIA_ROOT", str(VAR_DIR / "media")))

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "backend.common.errors.exception_handler",
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
}

# Debian 12 ships GDAL 3.6, older than Django 6.1 supports officially (gis.W001).
# We use GDAL only to read boundary files in geo/loaders.py, and the loader tests
# exercise that path against this very GDAL, so the warning is silenced deliberately.
# Set GDAL_LIBRARY_PATH to a newer libgdal to use it instead.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]
if gdal_path := env_str("GDAL_LIBRARY_PATH", ""):
    GDAL_LIBRARY_PATH = gdal_path

# The service area: which boundary set level counts as the "ward" for assignment.
GEO_ASSIGN_LEVELS = ("ward", "commune", "special_zone")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"procrastinate": {"level": "WARNING"}},
}

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
# Uploads up to this size stay in memory (Django's default is 2.5 MB): a phone photo (12 MP JPEG
# ≈ 2–5 MB) is read whole by clean_photo anyway, so a temporary file would only add a disk
# write and read-back (~2 ms per 3 MB photo). Larger files still go to a temporary file; worst
# case in memory per request: 5 photos × this size.
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("FILE_UPLOAD_MAX_MEMORY_SIZE", 8 * 1024 * 1024)
# The app must attach at least this many photos (other channels may file without any).
MOBILE_REPORT_MIN_PHOTOS = env_int("MOBILE_REPORT_MIN_PHOTOS", 1)
# Mobile API throttles (per user, or per client IP before sign-in).
MOBILE_THROTTLE_RATES = {
    "otp": env_str("MOBILE_THROTTLE_OTP", "10/hour"),
    "sign_in": env_str("MOBILE_THROTTLE_SIGN_IN", "30/hour"),
    "submit": env_str("MOBILE_THROTTLE_SUBMIT", "30/hour"),
    "default": env_str("MOBILE_THROTTLE_DEFAULT", "600/minute"),
}

# Push (FCM HTTP v1 through firebase-admin, backend/notifications/push.py). Without a service
# account file push is off (deliveries are recorded as skipped) unless FCM_ENABLED says otherwise;
# FCM_ENDPOINT points the SDK elsewhere (tests and bench: a fake FCM server on 127.0.0.1).
FCM_CREDENTIALS_FILE = env_str("FCM_CREDENTIALS_FILE", "")
FCM_PROJECT_ID = env_str("FCM_PROJECT_ID", "hotline1022")
FCM_ENABLED = env_bool("FCM_ENABLED", bool(FCM_CREDENTIALS_FILE))
FCM_ENDPOINT = env_str("FCM_ENDPOINT", "https://fcm.googleapis.com")
FCM_TIMEOUT_SECONDS = env_int("FCM_TIMEOUT_SECONDS", 10)
FCM_BATCH_SIZE = env_int("FCM_BATCH_SIZE", 500)  # send_each takes at most 500 messages
FCM_MAX_CONNECTIONS = env_int("FCM_MAX_CONNECTIONS", 100)
FCM_MAX_ATTEMPTS = env_int("FCM_MAX_ATTEMPTS", 6)
FCM_RETRY_BASE_SECONDS = env_int("FCM_RETRY_BASE_SECONDS", 15)  # 15, 30, 60, … s
FCM_RETRY_MAX_SECONDS = env_int("FCM_RETRY_MAX_SECONDS", 3600)
FCM_ANDROID_CHANNEL = env_str("FCM_ANDROID_CHANNEL", "report_status")
FCM_TTL_SECONDS = env_int("FCM_TTL_SECONDS", 3 * 24 * 3600)
