"""Alerts to staff: a new report → the unit's operators, an assignment → the assignee, a direction
→ the handler and the leaders, an emergency → all of them even in quiet hours; each by the
channels chosen, once per (event, person, channel), with the job deferred in the writer's
transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from procrastinate.contrib.django.models import ProcrastinateJob

from backend.accounts.models import User
from backend.incidents.models import Incident, Status
from backend.incidents.services.changes import NOTIFY_TASK, STAFF_ALERT_TASK
from backend.incidents.services.emergency import incident_mark_emergency
from backend.incidents.services.handling import incident_add_direction, incident_assign
from backend.notifications.alert_jobs import staff_alert
from backend.notifications.models import AlertPreference, AlertStatus, StaffAlert
from backend.notifications.staff_alerts import (
    quiet_until,
    staff_alerts_decide,
    staff_alerts_release,
    staff_alerts_send,
)
from backend.notifications.tasks import notify_incident_status_changed
from backend.units.models import Membership, Role
from tests.incidents.factories import SAIGON, make_incident, make_user, ward_unit

from .helpers import sms_outbox

__all__ = ["sms_outbox"]

pytestmark = pytest.mark.django_db
HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def staff(role: str, name: str, **extra: Any) -> User:
    user = make_user(name, email=f"{name}@ubnd.example", **extra)
    Membership.objects.create(user=user, unit=ward_unit(SAIGON), role=role)
    return user


@pytest.fixture
def team(db: Any) -> dict[str, User]:
    return {
        "operator": staff(Role.OPERATOR, "op1", phone="+84901000001"),
        "handler": staff(Role.HANDLER, "h1"),
        "leader": staff(Role.LEADER, "l1"),
    }


def run_alert_jobs(done: int = 0) -> int:
    """Run the jobs the changes deferred after the first `done`: the reporter's update (which
    alerts staff of a new report) and the staff alert job (the internal entries)."""
    tasks: dict[str, Any] = {
        STAFF_ALERT_TASK: staff_alert,
        NOTIFY_TASK: notify_incident_status_changed,
    }
    jobs = list(ProcrastinateJob.objects.filter(task_name__in=tasks).order_by("id"))
    for job in jobs[done:]:
        tasks[job.task_name](**job.args)
    return len(jobs)


def inbox(user: User) -> list[str]:
    return list(
        StaffAlert.objects.filter(user=user, channel="in_app")
        .order_by("id")
        .values_list("kind", flat=True)
    )


def channels(user: User) -> set[str]:
    return set(StaffAlert.objects.filter(user=user).values_list("channel", flat=True))


def test_each_alert_reaches_its_people_once_by_their_channels(
    team: dict[str, User], sms_outbox: Any
) -> None:
    operator, handler, leader = team["operator"], team["handler"], team["leader"]
    AlertPreference.objects.create(user=operator, by_sms=True, quiet_hours=False)
    AlertPreference.objects.create(user=handler, quiet_hours=False)  # e-mail only (default)
    incident = make_incident(SAIGON, status=Status.RECEIVED)  # filed (alerts), then received
    run_alert_jobs()
    assert inbox(operator) == ["new_report"] and inbox(handler) == inbox(leader) == []
    assert channels(operator) == {"in_app", "email", "sms"}
    assert [m.to for m in mail.outbox] == [["op1@ubnd.example"]]
    assert [m.to for m in sms_outbox] == ["+84901000001"]
    assert incident.reference in mail.outbox[0].subject

    done = run_alert_jobs()
    assert run_alert_jobs() == done and len(mail.outbox) == 1  # a job run again: nothing new
    incident.refresh_from_db()
    incident = incident_assign(actor=leader, incident=incident, assignee=handler)
    incident_add_direction(actor=leader, incident=incident, text="Xử lý trước 17 giờ")
    run_alert_jobs(done)
    assert inbox(handler) == ["assigned", "direction"]
    assert inbox(leader) == []  # the leader wrote the direction: not told of their own change
    assert (
        StaffAlert.objects.filter(kind="direction", user=handler, channel="email").get().status
        == "sent"
    )


def test_quiet_hours_hold_email_but_not_emergencies(team: dict[str, User]) -> None:
    operator, leader = team["operator"], team["leader"]
    night = dt.datetime(2026, 11, 19, 23, 30, tzinfo=HCM)
    incident = make_incident(SAIGON)
    event_ids = [e.pk for e in incident.events.all()]
    staff_alerts_decide(event_ids=event_ids, at=night)
    held = StaffAlert.objects.get(user=operator, channel="email")
    assert held.status == AlertStatus.HELD
    assert held.send_after == dt.datetime(2026, 11, 20, 7, 0, tzinfo=HCM)
    assert staff_alerts_send(event_ids=event_ids).sent == 0 and not mail.outbox
    assert staff_alerts_release(at=night + dt.timedelta(hours=1)) == []
    released = staff_alerts_release(at=dt.datetime(2026, 11, 20, 7, 0, tzinfo=HCM))
    assert released == [held.pk]
    assert staff_alerts_send(ids=released).sent == 1 and len(mail.outbox) == 1

    incident.refresh_from_db()
    incident_mark_emergency(actor=operator, incident=incident, note="Cây đổ chắn đường")
    marked = incident.events.filter(data__emergency=True).values_list("pk", flat=True)
    staff_alerts_decide(event_ids=list(marked), at=night)
    urgent = StaffAlert.objects.get(user=leader, kind="emergency", channel="email")
    assert urgent.status == AlertStatus.PENDING and urgent.send_after is None
    assert not StaffAlert.objects.filter(user=operator, kind="emergency").exists()  # the actor


def test_quiet_until_spans_midnight_and_daytime() -> None:
    pref = AlertPreference(quiet_start=dt.time(21), quiet_end=dt.time(7))
    assert quiet_until(pref, dt.datetime(2026, 1, 1, 6, tzinfo=HCM)) == dt.datetime(
        2026, 1, 1, 7, tzinfo=HCM
    )
    assert quiet_until(pref, dt.datetime(2026, 1, 1, 12, tzinfo=HCM)) is None
    lunch = AlertPreference(quiet_start=dt.time(12), quiet_end=dt.time(13, 30))
    assert quiet_until(lunch, dt.datetime(2026, 1, 1, 12, 5, tzinfo=HCM)) == dt.datetime(
        2026, 1, 1, 13, 30, tzinfo=HCM
    )
    assert (
        quiet_until(AlertPreference(quiet_hours=False), dt.datetime(2026, 1, 1, 23, tzinfo=HCM))
        is None
    )


def test_a_rolled_back_change_defers_no_alert(team: dict[str, User]) -> None:
    before = ProcrastinateJob.objects.filter(task_name=STAFF_ALERT_TASK).count()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_incident(SAIGON)
        raise RuntimeError
    assert ProcrastinateJob.objects.filter(task_name=STAFF_ALERT_TASK).count() == before
    assert not Incident.objects.exists()


def test_jobs_a_new_report_and_a_plain_status_move_defer(team: dict[str, User]) -> None:
    make_incident(SAIGON, status=Status.RECEIVED)  # filed, then received
    # the new report is alerted by the reporter's job (no second job on the intake path); the
    # move to received alerts nobody: no staff alert job at all
    assert not ProcrastinateJob.objects.filter(task_name=STAFF_ALERT_TASK).exists()
    run_alert_jobs()
    assert inbox(team["operator"]) == ["new_report"]
    assert inbox(team["handler"]) == inbox(team["leader"]) == []


def test_the_bell_api_lists_marks_read_and_saves_preferences(team: dict[str, User]) -> None:
    operator = team["operator"]
    make_incident(SAIGON)
    make_incident(SAIGON)
    run_alert_jobs()
    client = Client()
    client.force_login(operator)
    body = client.get(reverse("staff:alerts")).json()
    assert body["unread"] == 2 and [a["kind"] for a in body["alerts"]] == ["new_report"] * 2
    newest = body["alerts"][0]["id"]
    assert client.get(reverse("staff:alerts"), {"after": newest}).json()["alerts"] == []
    read = client.post(
        reverse("staff:alerts-read"), {"ids": [newest]}, content_type="application/json"
    )
    assert read.json() == {"marked": 1, "unread": 1}
    # another person's alerts are out of reach
    other = Client()
    other.force_login(team["handler"])
    assert (
        other.post(reverse("staff:alerts-read"), {}, content_type="application/json").json()[
            "marked"
        ]
        == 0
    )
    url = reverse("staff:alert-preferences")
    assert client.get(url).json()["by_email"] is True  # the defaults, unsaved
    saved = client.put(
        url, {"by_sms": True, "quiet_start": "22:00"}, content_type="application/json"
    )
    assert saved.status_code == 200 and saved.json()["by_sms"] is True
    assert AlertPreference.objects.get(user=operator).quiet_start == dt.time(22)
    bad = client.put(url, {"quiet_end": "25:99"}, content_type="application/json")
    assert bad.status_code == 400 and "quiet_end" in bad.json()["details"]


def test_a_report_filed_in_an_urgent_field_is_an_emergency_alert(team: dict[str, User]) -> None:
    from backend.units.models import Category

    Category.objects.filter(code="rubbish").update(is_urgent=True)
    make_incident(SAIGON)
    run_alert_jobs()
    assert inbox(team["operator"]) == inbox(team["leader"]) == ["emergency"]
    assert inbox(team["handler"]) == []
