"""One change path: `incident_change` is the only writer of history and of the reporter's update
job, and a change made through it is whole (row, history, job, map counts) or not at all."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import transaction
from procrastinate.contrib.django import app as jobs
from procrastinate.contrib.django.models import ProcrastinateJob

from backend.common.errors import Conflict
from backend.incidents.models import EventKind, Incident, IncidentEvent, Status
from backend.incidents.services.changes import (
    NOTIFY_QUEUE,
    NOTIFY_TASK,
    history_entry,
    incident_change,
)
from tests.incidents.factories import make_incident, make_user
from tests.incidents.test_grid import counts, rebuilt, same

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
CHANGE_PATH = ROOT / "backend/incidents/services/changes.py"
RESEND = ROOT / "backend/notifications/services.py"  # sends an existing update again
# writing history, or deferring the reporter's update, anywhere but the change path
SECOND_WRITER = re.compile(
    r"(?<!class )IncidentEvent\(|IncidentEvent\.objects\.(create|bulk_create|update|get_or_create)"
    r"|notify_incident_status_changed\.defer|configure_task\(NOTIFY_TASK"
)


def update_jobs(incident: Incident) -> list[int]:
    return [
        job.args["event_id"]
        for job in ProcrastinateJob.objects.filter(task_name=NOTIFY_TASK).order_by("id")
        if job.args["incident_id"] == incident.pk
    ]


def test_no_module_writes_history_or_defers_updates_beside_the_change_path() -> None:
    found = []
    for path in sorted([*(ROOT / "backend").rglob("*.py"), *(ROOT / "mobile_api").rglob("*.py")]):
        if "migrations" in path.parts or path in (CHANGE_PATH, RESEND):
            continue
        found += [
            f"{path.relative_to(ROOT)}:{n}"
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if SECOND_WRITER.search(line)
        ]
    assert found == []


def test_the_update_job_is_found_by_name_by_the_worker() -> None:
    from backend.notifications import tasks  # what the worker autodiscovers

    task = jobs.tasks[NOTIFY_TASK]
    assert task.func is tasks.notify_incident_status_changed.func
    assert task.queue == NOTIFY_QUEUE


def test_a_status_change_is_written_whole() -> None:
    incident = make_incident(reporter=make_user())
    version = incident.version
    incident_change(incident, actor=None, to_status=Status.RECEIVED, note="ok", note_public=True)
    incident.refresh_from_db()
    assert (incident.status, incident.version) == (Status.RECEIVED, version + 1)
    entry = incident.events.filter(kind=EventKind.STATUS).latest("id")
    assert (entry.from_status, entry.to_status, entry.note) == (Status.NEW, Status.RECEIVED, "ok")
    assert entry.unit_id == incident.unit_id
    first = incident.events.earliest("id")
    assert update_jobs(incident) == [first.pk, entry.pk]  # the filing's job, then this one
    assert same(counts(), rebuilt())


def test_a_stale_version_writes_nothing() -> None:
    incident = make_incident(reporter=make_user())
    before = (IncidentEvent.objects.count(), update_jobs(incident), counts())
    with pytest.raises(Conflict) as info:
        incident_change(
            incident,
            actor=None,
            to_status=Status.RECEIVED,
            events=[history_entry(incident, None, EventKind.NOTE, note="x", is_internal=True)],
            expected_version=incident.version - 1,
        )
    assert info.value.details["current"]["version"] == incident.version
    assert (IncidentEvent.objects.count(), update_jobs(incident), counts()) == before
    assert Incident.objects.get(pk=incident.pk).status == Status.NEW


def test_a_rolled_back_change_leaves_no_history_job_or_count() -> None:
    incident = make_incident(reporter=make_user())
    before = (IncidentEvent.objects.count(), update_jobs(incident), counts())
    with pytest.raises(RuntimeError), transaction.atomic():
        incident_change(incident, actor=None, to_status=Status.REJECTED, note="spam")
        raise RuntimeError
    assert (IncidentEvent.objects.count(), update_jobs(incident), counts()) == before


def test_talk_appends_history_without_a_version_bump() -> None:
    incident = make_incident(reporter=make_user())
    version = incident.version
    note = history_entry(incident, None, EventKind.NOTE, note="gọi lại sau", is_internal=True)
    incident_change(incident, actor=None, events=[note])
    assert note.pk is not None
    assert Incident.objects.get(pk=incident.pk).version == version
    assert update_jobs(incident) == [incident.events.earliest("id").pk]  # internal: no update


def test_a_staff_note_on_a_move_is_internal_unless_marked_public() -> None:
    incident = make_incident(reporter=make_user())
    incident_change(incident, actor=None, to_status=Status.RECEIVED, note="Giao kiểm tra")
    status = incident.events.filter(kind=EventKind.STATUS).latest("id")
    note = incident.events.filter(kind=EventKind.NOTE).get()
    assert (status.note, status.is_internal) == ("", False)
    assert (note.note, note.is_internal, note.data) == (
        "Giao kiểm tra",
        True,
        {"to_status": "received"},
    )
    incident_change(incident, actor=None, to_status=Status.REJECTED, note="Không thuộc thẩm quyền")
    rejected = incident.events.filter(kind=EventKind.STATUS).latest("id")
    assert rejected.note == "Không thuộc thẩm quyền"  # the answer to the resident is public
