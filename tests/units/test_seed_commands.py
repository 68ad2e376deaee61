"""`seed` is reference data only; demo accounts come from `seed_demo`, refused in production."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from backend.accounts.models import User
from backend.units.seed import DEMO_WARDS

pytestmark = pytest.mark.django_db
DEMO_NAMES = ["giamsat", *(f"{ward}.xuly" for ward in DEMO_WARDS)]


def test_seed_creates_no_accounts() -> None:
    User.objects.filter(username__in=DEMO_NAMES).delete()
    call_command("seed", stdout=io.StringIO())
    assert not User.objects.filter(username__in=DEMO_NAMES).exists()
    call_command("seed_demo", "--staff-only", stdout=io.StringIO())
    assert User.objects.filter(username__in=DEMO_NAMES).count() == len(DEMO_NAMES)


def test_seed_demo_refuses_where_demo_data_is_not_allowed(settings: Any) -> None:
    settings.DEMO_DATA_ALLOWED = False
    User.objects.filter(username="giamsat").delete()
    with pytest.raises(CommandError, match="refused"):
        call_command("seed_demo", "--staff-only", stdout=io.StringIO())
    assert not User.objects.filter(username="giamsat").exists()


def test_production_settings_refuse_seed_demo() -> None:
    conf = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.settings.production",
        "DJANGO_SECRET_KEY": "x" * 60,
        "DATABASE_URL": f"postgis://{conf['USER']}@{conf['HOST']}:{conf['PORT']}/{conf['NAME']}",
    }
    run = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1 and "refused" in run.stderr
