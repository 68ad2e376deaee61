"""Local development: the project-local PostGIS cluster under var/pg unless DATABASE_URL is set."""

import os

from tools import pgcluster

from .base import *  # noqa: F403
from .base import DATABASE_REPLICAS, STORAGES, VAR_DIR
from .env import database_from_url, env_bool, env_list

DEBUG = env_bool("DJANGO_DEBUG", True)

_url = os.environ.get("DATABASE_URL")
if not _url:
    _local = VAR_DIR / "pg"
    _url = (
        pgcluster.url(_local) if (_local / "port").exists() else "postgis://127.0.0.1/hotline1022"
    )
DATABASES = {"default": database_from_url(_url), **DATABASE_REPLICAS}
if DEBUG:  # runserver serves static files unhashed from the finders (no collectstatic)
    STORAGES = {
        **STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
# The demo accounts sign in with a password alone (`make run`); production requires TOTP for
# supervisors and admins (base.py). STAFF_2FA_REQUIRED_ROLES=supervisor,admin tries it here.
STAFF_2FA_REQUIRED_ROLES = env_list("STAFF_2FA_REQUIRED_ROLES", [])
DEMO_DATA_ALLOWED = True  # manage.py seed_demo
