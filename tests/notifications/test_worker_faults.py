"""Real worker processes on a cluster of the test's own: a database restart under a running
worker, and a worker killed (SIGKILL) in the middle of a fan-out."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection

from backend.accounts.models import User
from backend.incidents.models import Incident, Status
from backend.incidents.services.workflow import incident_transition
from backend.notifications.models import Device, Follow
from backend.units.models import Role
from tests.incidents.factories import SAIGON, make_incident, make_staff, make_user, ward_unit
from tests.worker_cluster import OwnCluster, wait_for

from .fake_fcm import FakeFCM, Reply

pytestmark = pytest.mark.django_db  # the test's own transaction; the work happens on the copy


@pytest.fixture(scope="module")
def cluster(django_db_setup: Any, django_db_blocker: Any) -> Iterator[OwnCluster]:
    own = OwnCluster()
    try:
        with django_db_blocker.unblock():
            own.copy_of(connection.settings_dict)
        yield own
    finally:
        own.remove()


@pytest.fixture
def fake() -> Iterator[FakeFCM]:
    with FakeFCM(project="hotline1022-faults", keep_bodies=True) as server:
        yield server


def fcm_env(fake: FakeFCM) -> dict[str, str]:
    """The worker's SDK reaches the fake as its HTTPS proxy (see tests/notifications/conftest)."""
    return {
        **fake.environ(),
        "FCM_ENABLED": "1",
        "FCM_CREDENTIALS_FILE": "",
        "FCM_PROJECT_ID": fake.project,
    }


def one(cluster: OwnCluster, sql: str, *args: Any) -> Any:
    try:
        with psycopg.connect(cluster.url.replace("postgis://", "postgresql://")) as conn:
            row = conn.execute(sql, args).fetchone()
    except psycopg.OperationalError:
        return None
    return row[0] if row else None


def status_change_to(users: list[User], token_prefix: str) -> Incident:
    """A report followed by `users` (one device each) moves to `received`: one job deferred."""
    incident = make_incident(reporter=users[0])
    Device.objects.bulk_create(
        Device(user=u, token=f"{token_prefix}-{u.pk}", platform="android") for u in users
    )
    Follow.objects.bulk_create(Follow(incident=incident, user=u) for u in users[1:])
    operator = make_staff(Role.OPERATOR, ward_unit(SAIGON))
    incident_transition(actor=operator, incident=incident, to_status=Status.RECEIVED)
    return incident


# deliveries of the move to `received` (filing the report pushes its own `new` to the reporter)
PENDING = (
    "SELECT count(*) FROM notifications_delivery d JOIN incidents_incidentevent e ON "
    "e.id = d.event_id WHERE e.incident_id = %s AND e.to_status = 'received' AND d.status = %s"
)


def received_by(fake: FakeFCM) -> list[dict[str, Any]]:
    return [b for b in fake.bodies if b["message"]["data"]["status"] == "received"]


def stop(worker: Any) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(20)
        except Exception:
            worker.kill()
            worker.wait()


def test_the_worker_rides_out_a_database_restart(
    cluster: OwnCluster, fake: FakeFCM, tmp_path: Path
) -> None:
    log = tmp_path / "worker.log"
    worker = cluster.worker(log, **fcm_env(fake))
    try:
        started = "SELECT count(*) FROM procrastinate_workers"
        assert wait_for(lambda: (one(cluster, started) or 0) > 0, 60), log.read_text()
        cluster.stop()
        time.sleep(2)
        cluster.start()
        incident = cluster.run(lambda: status_change_to([make_user()], "restart"))
        sent = lambda: one(cluster, PENDING, incident.pk, "sent") == 1  # noqa: E731
        assert wait_for(sent, 60), log.read_text()[-3000:]
        assert worker.poll() is None, "the worker exited"
        assert "restarting once the database answers" in log.read_text()
        assert len(received_by(fake)) == 1
        worker.send_signal(signal.SIGTERM)  # and it still stops cleanly when asked
        assert worker.wait(30) == 0
    finally:
        stop(worker)


def test_a_job_of_a_killed_worker_is_retried_and_reaches_everyone(
    cluster: OwnCluster, fake: FakeFCM, tmp_path: Path
) -> None:
    env = {
        **fcm_env(fake),
        "FCM_BATCH_SIZE": "20",
        "JOBS_HEARTBEAT_SECONDS": "1",
        "JOBS_STALLED_AFTER_SECONDS": "3",
        "JOBS_RECOVERY_CRON": "* * * * * */2",  # every 2 s
    }
    fake.default = Reply.ok(delay=0.3)  # a batch of 20 takes ~0.3 s: the kill lands mid-fan-out
    users = cluster.run(lambda: [make_user() for _ in range(200)])
    incident = cluster.run(lambda: status_change_to(users, "kill"))
    log = tmp_path / "worker.log"
    first = cluster.worker(log, **env)
    second = None
    try:
        some_sent = lambda: (one(cluster, PENDING, incident.pk, "sent") or 0) >= 20  # noqa: E731
        assert wait_for(some_sent, 60, step=0.05), log.read_text()[-3000:]
        first.send_signal(signal.SIGKILL)
        first.wait()
        assert one(cluster, PENDING, incident.pk, "pending") > 0  # the job was cut short
        second = cluster.worker(log, **env)
        done = lambda: one(cluster, PENDING, incident.pk, "sent") == len(users)  # noqa: E731
        assert wait_for(done, 90), log.read_text()[-3000:]
    finally:
        for worker in (first, second):
            if worker is not None:
                stop(worker)
    messages = received_by(fake)
    received = {body["message"]["token"] for body in messages}
    tokens = {f"kill-{u.pk}" for u in users}
    assert tokens - received == set()  # 0 devices with nothing
    duplicates = len(messages) - len(received)
    assert duplicates <= 20  # at most the batch in flight at the kill
