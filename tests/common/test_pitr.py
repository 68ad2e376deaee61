"""Point-in-time recovery (tools/pitr.py, docs/DEPLOYMENT.md): a cluster of its own with WAL
archiving and the project's schema, a base backup, reports filed before and after it, an
accident after a time T; restored from the base backup and the archive up to T, the cluster
holds exactly what was committed by T, and the photo copy taken after T (`manage.py restore
--photos-only`) gives back every photo its rows name."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings

from tools import pgcluster, pitr

# the project's schema and reference data, then 60 demo reports with their history and
# resolution photos, in one process (three interpreters cost seconds on a loaded machine)
INSTALL = "from django.core.management import call_command\n" + "".join(
    f"call_command({c!r})\n" for c in ("migrate", "seed", "seed_demo")
)
TABLES = ("incidents_incident", "incidents_incidentevent", "incidents_incidentphoto")
# filed through the production service (history row, photo files, deferred jobs), by the
# resident `pitr.resident`, each report described as `pitr PHASE N`, with one photo
FILE_REPORTS = """
import io, os
from PIL import Image
from backend.accounts.models import User
from backend.incidents.services.submit import incident_submit
from backend.units.models import Category
from geo.points import make_point
from geo.selectors import sample_points

phase, count = os.environ["PITR_PHASE"], int(os.environ["PITR_COUNT"])
resident, _ = User.objects.get_or_create(username="pitr.resident")
category = Category.objects.filter(is_active=True).order_by("pk").first()
_, lon, lat = sample_points(per_area=1, seed=18)[0]
for i in range(count):
    photo = io.BytesIO()
    Image.new("RGB", (640, 480), (30 * i, 90, 160)).save(photo, "JPEG")
    photo.seek(0)
    photo.name = f"{phase}-{i}.jpg"
    incident_submit(
        reporter=resident, category=category, description=f"pitr {phase} {i}",
        location=make_point(lon, lat), photos=[photo], idempotency_key=f"pitr-{phase}-{i}",
    )
"""


def _manage(*args: str, dsn: str, media: Path, **extra_env: str) -> None:
    env = {
        **os.environ,
        **extra_env,
        "DJANGO_SETTINGS_MODULE": "backend.settings.dev",
        "DATABASE_URL": dsn,
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


def _file_reports(phase: str, count: int, dsn: str, media: Path) -> None:
    env = {"PITR_PHASE": phase, "PITR_COUNT": str(count)}  # `shell -c` takes no arguments
    _manage("shell", "-c", FILE_REPORTS, dsn=dsn, media=media, **env)


def _connect(port: int | str) -> psycopg.Connection[Any]:
    conninfo = f"host=127.0.0.1 port={port} user=postgres dbname={pgcluster.DEFAULT_DB}"
    return psycopg.connect(conninfo, autocommit=True)


def _rows(port: int | str) -> dict[str, list[tuple[Any, ...]]]:
    with _connect(port) as conn:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in TABLES}


def _descriptions(port: int | str) -> list[str]:
    with _connect(port) as conn:
        rows = conn.execute("SELECT description FROM incidents_incident ORDER BY id").fetchall()
    return [str(r[0]) for r in rows]


@pytest.fixture
def workdir() -> Iterator[Path]:
    # not under pytest's tmp_path: pytest keeps /tmp/pytest-of-root at 0700, out of the
    # postgres user's reach (see tests/common/test_replicas.py)
    path = Path(tempfile.mkdtemp(prefix="hotline1022-pitr-"))
    path.chmod(0o755)
    yield path
    pgcluster.stop(path / "pg")
    shutil.rmtree(path, ignore_errors=True)


def test_restore_to_a_time_gives_back_what_was_committed_by_then_and_nothing_after(
    workdir: Path,
) -> None:
    cluster, archive, base = workdir / "pg", workdir / "wal-archive", workdir / "base"
    media = workdir / "media"
    dsn = pgcluster.start(cluster, fast_unsafe=True)  # base backups force full page writes
    pitr.configure_archiving(cluster / "data", archive)
    pgcluster.stop(cluster)  # archive_mode needs a restart
    pgcluster.start(cluster, fast_unsafe=True)
    port = (cluster / "port").read_text().strip()
    _manage("shell", "-c", INSTALL, dsn=dsn, media=media)

    pitr.base_backup(port, base)  # base.tar.gz + pg_wal.tar.gz, as in the docs
    _file_reports("after-base", 3, dsn, media)
    with _connect(port) as conn:
        row = conn.execute("SELECT clock_timestamp()::text").fetchone()
    assert row is not None
    target_time = str(row[0])
    at_target = _rows(port)
    assert len(at_target["incidents_incident"]) == 63  # 60 demo + 3 after the base backup

    # after T: one more report, then the accident: every incident and its history gone
    _file_reports("after-target", 1, dsn, media)
    _manage("backup", str(workdir / "nightly"), dsn=dsn, media=media)  # its photo copy
    with _connect(port) as conn:
        conn.execute("TRUNCATE incidents_incident CASCADE")
    pitr.switch_wal(port)  # the accident's segment in the archive, as a running server would
    pgcluster.stop(cluster)
    shutil.rmtree(cluster / "data")

    assert pitr.restore(base, archive, cluster, target_time) == int(port)

    assert _rows(port) == at_target
    descriptions = _descriptions(port)
    assert len(descriptions) == 63
    assert [d for d in descriptions if d.startswith("pitr")] == [
        f"pitr after-base {i}" for i in range(3)
    ]
    with _connect(port) as conn:
        without_history = conn.execute(
            "SELECT count(*) FROM incidents_incident i WHERE NOT EXISTS "
            "(SELECT 1 FROM incidents_incidentevent e WHERE e.incident_id = i.id)"
        ).fetchone()
        names = conn.execute(
            "SELECT image, thumbnail FROM incidents_incidentphoto ORDER BY id"
        ).fetchall()
    assert without_history == (0,)
    assert len(names) > 3  # the after-base reports' photos and the demo's resolution photos

    # the photo store, lost with the machine, from the photo copy taken after T: photos are
    # only ever added, so it has every file a row at T names
    shutil.rmtree(media)
    _manage("restore", "--photos-only", str(workdir / "nightly"), dsn=dsn, media=media)
    copied = json.loads((workdir / "nightly" / "manifest.json").read_text())["photos"]
    for name in {name for pair in names for name in pair}:
        digest = hashlib.sha256((media / name).read_bytes()).hexdigest()
        assert digest == copied[name]["sha256"], name
