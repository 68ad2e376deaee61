"""`manage.py check --deploy` with the production settings and only the required environment."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

from django.conf import settings


def test_check_deploy_is_clean_with_production_defaults() -> None:
    keep = {"PATH", "HOME", "LANG", "GDAL_LIBRARY_PATH", "PG_BINDIR"}
    env = {k: v for k, v in os.environ.items() if k in keep}
    env |= {
        "DJANGO_SETTINGS_MODULE": "backend.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        # the test cluster: the model checks ask the database its features (PostGIS version,
        # generated columns), as they would in production
        "DATABASE_URL": os.environ["TEST_DATABASE_URL"],
    }
    run = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert "no issues" in run.stdout
