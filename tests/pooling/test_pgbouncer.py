"""A defined part of the suite runs again through PgBouncer in transaction mode.

The part (POOLED_PART) runs in a child pytest session whose database connection goes through a
PgBouncer started here, with the settings production uses behind it (DB_TRANSACTION_POOLING=1:
no server-side cursors, no prepared statements). Its migrations, seed and tests make hundreds
of transactions, each on whichever server connection the bouncer hands out.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import psycopg
from django.conf import settings

from tools import pgbouncer

POOLED_PART = [
    "tests/geo/test_locate.py",
    "tests/incidents/test_submit.py",
    "tests/mobile_api/test_reports.py",
    "tests/staff/test_api.py",
]
POOLED_DB = "test_hotline1022_pooled"


def _bouncer_stats(port: int) -> dict[str, int]:
    """Transactions per database from PgBouncer's admin console (simple query protocol)."""
    conninfo = f"host=127.0.0.1 port={port} user=postgres dbname=pgbouncer"
    with psycopg.connect(conninfo, autocommit=True, cursor_factory=psycopg.ClientCursor) as conn:
        cursor = conn.execute("SHOW STATS")
        names = [c.name for c in cursor.description or []]
        return {row[0]: int(row[names.index("total_xact_count")]) for row in cursor}


def _drop_pooled_database(pg_port: str) -> None:
    conninfo = f"host=127.0.0.1 port={pg_port} user=postgres dbname=postgres"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{POOLED_DB}" WITH (FORCE)')


def test_a_part_of_the_suite_passes_through_pgbouncer(tmp_path: Path) -> None:
    pg_port = settings.DATABASES["default"]["PORT"]
    report = tmp_path / "pooled.xml"
    bouncer = pgbouncer.start(pg_port, pool_size=4)
    try:
        env = {
            **os.environ,
            "TEST_DATABASE_URL": f"postgis://postgres@127.0.0.1:{bouncer.port}/hotline1022",
            "TEST_DATABASE_NAME": POOLED_DB,
            "DB_TRANSACTION_POOLING": "1",
        }
        # --reuse-db: the child leaves its database for us to drop (PgBouncer still holds
        # server connections to it, so the child's own DROP DATABASE would be refused)
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "--reuse-db",
                "-x",
                f"--junit-xml={report}",
                *POOLED_PART,
            ],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        stats = _bouncer_stats(bouncer.port)
    finally:
        bouncer.stop()
        _drop_pooled_database(pg_port)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None
    counts = {key: int(suite.get(key, "0")) for key in ("tests", "failures", "errors", "skipped")}
    assert counts["tests"] > 50
    assert counts["failures"] == counts["errors"] == counts["skipped"] == 0
    assert stats.get(POOLED_DB, 0) > 100  # migrations, seed and tests went through the bouncer
