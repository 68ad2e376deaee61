"""Tests: a throwaway PostGIS cluster per test session unless TEST_DATABASE_URL is set."""

import os

from tools import pgcluster

from .base import *  # noqa: F403
from .base import BASE_DIR, STORAGES
from .env import database_from_url

_url = os.environ.get("TEST_DATABASE_URL") or pgcluster.throwaway()
os.environ["TEST_DATABASE_URL"] = _url  # child processes (live servers) share the cluster
DATABASES = {"default": database_from_url(_url)}
DATABASES["default"]["CONN_MAX_AGE"] = 0
if _test_name := os.environ.get("TEST_DATABASE_NAME"):  # a second session on the same cluster
    DATABASES["default"]["TEST"] = {"NAME": _test_name}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# templates resolve {% static %} without a collectstatic manifest
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
