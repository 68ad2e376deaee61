"""Two writers moving incidents between the same map-count rows at once: no deadlock.

Each statement's trigger upserts its count rows in key order, so of two transactions that each
change incidents in one statement, the later one waits for the first count row the earlier one
holds — holding none of its own — and never in a cycle. Made deterministic with a third
session that holds one count row, so that writer A stops halfway through its rows while B
starts. The writers run in threads on their own connections and commit (the test's own
transaction is bypassed); the rows are deleted afterwards.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection, transaction
from procrastinate.contrib.django.models import ProcrastinateJob

from backend.incidents.models import Incident, IncidentGridCount, Status

from .factories import BEN_THANH, SAIGON, make_incident
from .test_grid import counts, rebuilt, same
from .test_submit_race import in_thread

pytestmark = pytest.mark.django_db
KEY = ("cell_z", "cell_x", "cell_y", "status", "category_id", "unit_id", "ward_id", "is_overdue")


@pytest.fixture
def committed() -> Iterator[list[Incident]]:
    """16 committed incidents, new and received alike over 2 wards × 2 categories: every count
    row either writer touches exists already."""

    def make() -> list[Incident]:
        return [
            make_incident(ward, category, status=status)
            for ward in (SAIGON, BEN_THANH)
            for category in ("rubbish", "flooding")
            for status in (Status.NEW, Status.RECEIVED) * 2
        ]

    made = in_thread(make)
    yield made

    def cleanup() -> None:  # what filing them committed: the rows and their notification jobs
        ids = [i.pk for i in made]
        ProcrastinateJob.objects.filter(args__incident_id__in=ids).delete()
        Incident.objects.filter(pk__in=ids).delete()

    in_thread(cleanup)


def _session(name: str, work: Callable[[], None], pids: dict[str, int], errors: list[Any]) -> Any:
    def run() -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    pids[name] = cursor.fetchone()[0]
                work()
        except BaseException as exc:  # a deadlock: OperationalError in one of the writers
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _wait_until_blocked(name: str, pids: dict[str, int]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if name in pids:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_stat_clear_snapshot()")  # else: read once per transaction
                cursor.execute(
                    "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pids[name]]
                )
                if cursor.fetchone() == ("Lock",):
                    return
        time.sleep(0.02)
    raise AssertionError(f"{name} never waited for a lock")


def test_two_writers_moving_rows_in_opposite_directions_do_not_deadlock(
    committed: list[Incident],
) -> None:
    pids: dict[str, int] = {}
    errors: list[Any] = []
    release, held = threading.Event(), threading.Event()
    new = [i.pk for i in committed if i.status == Status.NEW]
    received = [i.pk for i in committed if i.status == Status.RECEIVED]

    def hold_a_middle_row() -> None:  # the first zoom-13 row: A stops after its zoom-12 rows
        rows = IncidentGridCount.objects.select_for_update().filter(cell_z=13, status=Status.NEW)
        assert rows.order_by(*KEY).first() is not None
        held.set()
        release.wait(30)

    def move(ids: list[int], to: str) -> Callable[[], None]:
        def run() -> None:
            Incident.objects.filter(pk__in=ids).update(status=to)

        return run

    holder = _session("holder", hold_a_middle_row, pids, errors)
    assert held.wait(20)
    a = _session("a", move(new, Status.RECEIVED), pids, errors)
    _wait_until_blocked("a", pids)
    b = _session("b", move(received, Status.NEW), pids, errors)  # the same rows, other way
    _wait_until_blocked("b", pids)
    release.set()
    for thread in (holder, a, b):
        thread.join(30)
    assert errors == []
    compared: dict[str, Any] = {}

    def compare() -> None:
        compared["now"], compared["rebuilt"] = counts(), rebuilt()

    in_thread(compare)
    assert same(compared["now"], compared["rebuilt"])
    moved = in_thread(lambda: dict(Incident.objects.filter(pk__in=new).values_list("pk", "status")))
    assert set(moved.values()) == {Status.RECEIVED}
