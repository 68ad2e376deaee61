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
# Each test's throttle counters in the process's memory (cleared around every test, with no
# database access needed, and no cache queries inside the query budgets); the shared database
# cache of every other environment is tested across two real web processes
# (tests/common/test_shared_cache.py).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The second factor is switched on by the tests about it (tests/staff/test_sign_in*.py); the
# others sign staff in with force_login or a password.
STAFF_2FA_REQUIRED_ROLES = []
DEMO_DATA_ALLOWED = True  # manage.py seed_demo
# a test's transaction is its connection's: threads would not see it (tests that want threads
# set it and use transactional_db)
MAILBOX_THREADS = 1
MAP_BASEMAP_URL = ""  # tests run offline: no public tile server (a test sets its own)
# templates resolve {% static %} without a collectstatic manifest
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
