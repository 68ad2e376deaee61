"""Production: everything from the environment, no defaults that are unsafe."""

import os

from .base import *  # noqa: F403
from .base import DATABASE_REPLICAS
from .env import database_from_url, env_bool

DEBUG = False
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DATABASES = {
    "default": database_from_url(os.environ["DATABASE_URL"]),
    **DATABASE_REPLICAS,
}
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SERVE_MEDIA = env_bool("HOTLINE_SERVE_MEDIA", False)  # nginx serves MEDIA_ROOT, or S3
