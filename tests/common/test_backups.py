"""manage.py backup / restore: backup → wipe → restore gives back the same incidents, photos
and history (real pg_dump/pg_restore, the real photo store, separate processes)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from tools.pgcluster import ensure_database

pytestmark = pytest.mark.django_db
SOURCE_DB = "hotline1022_backup_test"
TABLES = ("incidents_incident", "incidents_incidentphoto", "incidents_incidentevent")


def _url(db: str) -> str:
    s = connection.settings_dict
    return f"postgis://{s['USER']}@{s['HOST']}:{s['PORT']}/{db}"


def _manage(*args: str, db: str, media: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.settings.dev",
        "DATABASE_URL": _url(db),
        "HOTLINE_MEDIA_ROOT": str(media),
    }
    run = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr[-3000:]


def _rows(db: str) -> dict[str, list[tuple[Any, ...]]]:
    s = connection.settings_dict
    conninfo = f"host={s['HOST']} port={s['PORT']} user={s['USER']} dbname={db}"
    with psycopg.connect(conninfo) as conn:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in TABLES}


def _files(media: Path) -> dict[str, str]:
    return {
        str(p.relative_to(media)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in media.rglob("*")
        if p.is_file()
    }


def _drop(db: str) -> None:
    s = connection.settings_dict
    conninfo = f"host={s['HOST']} port={s['PORT']} user={s['USER']} dbname=postgres"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def test_backup_wipe_restore_gives_back_incidents_photos_and_history(tmp_path: Path) -> None:
    port = connection.settings_dict["PORT"]
    media = tmp_path / "media"
    _drop(SOURCE_DB)
    ensure_database(port, SOURCE_DB)
    try:
        # an installation with history: the session's seeded database (copied with the tool
        # itself), then demo reports with their events and resolution photos
        _manage(
            "backup", str(tmp_path / "seeded"), db=connection.settings_dict["NAME"], media=media
        )
        _manage("restore", str(tmp_path / "seeded"), db=SOURCE_DB, media=media)
        _manage("seed_demo", db=SOURCE_DB, media=media)
        before, files = _rows(SOURCE_DB), _files(media)
        assert len(before["incidents_incident"]) >= 60 and before["incidents_incidentphoto"]
        assert len(files) == 2 * len(before["incidents_incidentphoto"])  # display + thumbnail

        _manage("backup", str(tmp_path / "backup"), db=SOURCE_DB, media=media)
        _drop(SOURCE_DB)  # the wipe: database and photo store gone
        shutil.rmtree(media)
        ensure_database(port, SOURCE_DB)
        _manage("restore", str(tmp_path / "backup"), db=SOURCE_DB, media=media)

        assert _rows(SOURCE_DB) == before
        assert _files(media) == files
    finally:
        _drop(SOURCE_DB)
