"""Read-only views on a real streaming replica (pg_basebackup + hot standby on a free port):
routing, read-your-own-writes, lag and loss of the replica."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.contrib.gis.db.backends.postgis.base import DatabaseWrapper
from django.core.cache import cache
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from backend.common import replicas
from backend.incidents.models import Incident
from tests.processes import wait_for
from tools import pgreplica

pytestmark = pytest.mark.django_db
STATS = "/api/public/v1/stats"  # public statistics: a view marked reads_from_replica


@pytest.fixture(scope="module")
def standby(django_db_setup: Any) -> Iterator[Path]:
    # not under pytest's tmp_path: every pytest session (also another one on this machine) sets
    # /tmp/pytest-of-root back to 0700, out of the postgres user's reach
    datadir = Path(tempfile.mkdtemp(prefix="hotline1022-replica-"))
    pgreplica.start(connections["default"].settings_dict["PORT"], datadir)
    yield datadir
    pgreplica.stop(datadir)
    shutil.rmtree(datadir, ignore_errors=True)


@pytest.fixture
def replica(standby: Path, settings: Any) -> Iterator[str]:
    """The replica as DATABASES["replica1"] of this process, checked on every read."""
    settings.REPLICA_CHECK_SECONDS = 0
    settings.REPLICA_MAX_LAG_SECONDS = 1
    port = (standby / "port").read_text().strip()
    entry = {**connections["default"].settings_dict, "PORT": port}
    settings.DATABASE_REPLICAS = {"replica1": entry}
    # a connection made here rather than declared in DATABASES: Django's test case then lets
    # it through without a test database or a transaction of its own (a standby has neither)
    connections["replica1"] = DatabaseWrapper(entry, alias="replica1")
    replicas.forget_health()
    yield "replica1"
    connections["replica1"].close()
    del connections["replica1"]
    replicas.forget_health()


def _reads(client: Client, alias: str, path: str = STATS) -> int:
    """Queries (other than health checks) that answering GET `path` ran on `alias`; the
    response must be a 200. The statistics are kept in the cache (transparency.figures): emptied
    first, so that every call counts them."""
    cache.clear()
    with CaptureQueriesContext(connections[alias]) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return sum("pg_last_wal_replay_lsn" not in q["sql"] for q in queries.captured_queries)


def _primary_commit(settings_dict: dict[str, Any]) -> None:
    """A committed transaction on the primary (WAL the replica has to replay)."""
    conninfo = f"host={settings_dict['HOST']} port={settings_dict['PORT']} user=postgres"
    with psycopg.connect(f"{conninfo} dbname={settings_dict['NAME']}", autocommit=True) as conn:
        conn.execute("SELECT txid_current()")


def test_replica_views_read_from_the_replica_and_others_from_the_primary(replica: str) -> None:
    client = Client()
    assert _reads(client, replica) > 0
    assert _reads(client, "default") == 0
    assert _reads(client, replica, "/api/v1/geo/locate?lat=10.7769&lon=106.7009") == 0
    assert Incident.objects.db == "default"  # outside a replica view


def test_a_writer_reads_its_own_writes_from_the_primary(replica: str) -> None:
    client = Client()
    assert client.post("/i18n/setlang/", {"language": "en"}).status_code == 302
    assert replicas.STICKY_COOKIE in client.cookies
    assert _reads(client, replica) == 0
    assert _reads(client, "default") > 0
    assert _reads(Client(), replica) > 0  # everyone else still reads the replica


def test_a_lagging_replica_is_skipped_until_it_catches_up(replica: str) -> None:
    standby = connections[replica]
    with standby.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    try:
        _primary_commit(connections["default"].settings_dict)
        time.sleep(1.5)  # beyond REPLICA_MAX_LAG_SECONDS
        assert not replicas.replica_health(replica).ok
        assert _reads(Client(), replica) == 0
    finally:
        with standby.cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")
    wait_for(lambda: replicas.replica_health(replica).ok, timeout=30)
    assert _reads(Client(), replica) > 0


def test_a_lost_replica_falls_back_to_the_primary(
    replica: str, standby: Path, settings: Any
) -> None:
    assert replicas.replica_health(replica).ok
    settings.REPLICA_CHECK_SECONDS = 3600  # still believed healthy when it goes
    pgreplica.stop(standby)
    try:
        client = Client(raise_request_exception=False)
        assert _reads(client, "default") > 0  # failed on the replica, answered by the primary
        assert not replicas.replica_health(replica).ok
        assert _reads(client, "default") > 0
    finally:
        pgreplica.resume(standby)
