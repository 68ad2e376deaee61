import io
import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client


@pytest.mark.django_db
def test_healthz_reports_database_and_postgis(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["postgis"].startswith("3.")


def test_healthz_is_503_when_the_database_is_gone() -> None:
    """A separate process pointed at a port where no database listens."""
    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz', HTTP_HOST='localhost');"
        "print(json.dumps([r.status_code, r.json()['status']]))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.settings.dev",
        "DATABASE_URL": "postgis://postgres@127.0.0.1:1/none",
    }
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [503, "error"]


@pytest.mark.django_db
def test_models_and_migrations_agree() -> None:
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
