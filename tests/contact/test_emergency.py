"""The emergency lane: deadline in hours, on-duty alerts at once, escalation up the unit ladder
while nobody receives the report (a frozen clock: the sweep is given its instant)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from backend.contact.models import DutyAssignment
from backend.contact.services.emergency import emergency_escalate
from backend.contact.tasks import emergency_alert
from backend.incidents.models import EventKind, Incident, Status
from backend.incidents.services.changes import incident_change
from backend.notifications.models import Notice, NoticeKind
from backend.notifications.tasks import send_notices
from backend.units.models import Category, Unit
from tests.incidents.factories import SAIGON, make_incident, make_user, point_in, ward_unit

from .helpers import Gateway, gateway, job_args, operator, signed_in

pytestmark = pytest.mark.django_db
__all__ = ["gateway"]
DUTY_PHONE, LEADER_PHONE, CITY_PHONE = "+84911111111", "+84922222222", "+84933333333"


@pytest.fixture
def on_duty() -> dict[str, Any]:
    """The Sài Gòn ward committee has someone on duty now; the city office only a leader."""
    unit = ward_unit(SAIGON)
    unit.leader_phone = LEADER_PHONE
    unit.save(update_fields=["leader_phone"])
    now = timezone.now()
    DutyAssignment.objects.create(
        unit=unit,
        user=make_user(phone=DUTY_PHONE, email="truc@saigon.example"),
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=7),
    )
    city = Unit.objects.get(code="vp-ubnd-tp")
    city.leader_phone = CITY_PHONE
    city.save(update_fields=["leader_phone"])
    return {"unit": unit, "city": city}


def alerts(kind: str) -> list[tuple[str, str]]:
    return sorted(Notice.objects.filter(kind=kind).values_list("channel", "address").order_by("id"))


def run_alert_jobs() -> None:
    for args in job_args("emergency_alert"):
        emergency_alert(**args)


def test_an_operator_marks_an_emergency(on_duty: dict[str, Any], gateway: Gateway) -> None:
    incident = make_incident(SAIGON)
    before = timezone.now()
    response = signed_in(operator()).post(
        f"/api/contact/v1/reports/{incident.reference}/emergency",
        {"note": "Cây đổ chắn ngang đường"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    incident.refresh_from_db()
    hours = incident.category.emergency_hours
    assert incident.is_emergency and incident.due_at is not None
    assert (
        before + dt.timedelta(hours=hours)
        <= incident.due_at
        <= timezone.now() + dt.timedelta(hours=hours)
    )
    assert incident.events.filter(kind=EventKind.NOTE, data__emergency=True).exists()
    run_alert_jobs()
    assert alerts(NoticeKind.EMERGENCY) == [
        ("email", "truc@saigon.example"),
        ("sms", DUTY_PHONE),
        ("sms", CITY_PHONE),
    ]
    for args in job_args("send_notices"):
        send_notices(**args)
    assert sorted(m["to"] for m in gateway.received) == [DUTY_PHONE, CITY_PHONE]
    again = signed_in(operator()).post(f"/api/contact/v1/reports/{incident.reference}/emergency")
    assert again.status_code == 409


def test_an_urgent_category_files_an_emergency_and_the_preview_shows_it() -> None:
    category = Category.objects.get(code="rubbish")
    category.is_urgent, category.emergency_hours = True, 2
    category.save(update_fields=["is_urgent", "emergency_hours"])
    lon, lat = point_in(SAIGON)
    preview = signed_in(operator()).get(
        "/api/contact/v1/preview", {"lat": lat, "lon": lon, "category": category.pk}
    )
    incident = make_incident(SAIGON, "rubbish")
    assert incident.is_emergency and incident.emergency_at is not None
    assert incident.due_at == incident.created_at + dt.timedelta(hours=2)
    due = dt.datetime.fromisoformat(preview.json()["due_at"])
    assert dt.timedelta(0) <= incident.due_at - due < dt.timedelta(minutes=1)
    assert [a["incident_id"] for a in job_args("emergency_alert")] == [incident.pk]


def test_an_unreceived_emergency_climbs_the_ladder_once_per_period(
    on_duty: dict[str, Any], settings: Any
) -> None:
    settings.EMERGENCY_ACK_MINUTES = 15
    incident = make_incident(SAIGON)
    signed_in(operator()).post(f"/api/contact/v1/reports/{incident.reference}/emergency")
    incident.refresh_from_db()
    raised = incident.emergency_at
    assert raised is not None
    assert on_duty["unit"].parent == on_duty["city"]  # the ward committee's ladder: the city

    assert emergency_escalate(now=raised + dt.timedelta(minutes=14)).queued == 0
    first = emergency_escalate(now=raised + dt.timedelta(minutes=16))
    assert first.queued == 1
    assert alerts(NoticeKind.EMERGENCY_UP) == [("sms", CITY_PHONE)]
    assert "15 phút" in Notice.objects.get(kind=NoticeKind.EMERGENCY_UP).body
    assert emergency_escalate(now=raised + dt.timedelta(minutes=16)).queued == 0  # re-run
    assert emergency_escalate(now=raised + dt.timedelta(minutes=45)).queued == 0  # top reached


def test_a_received_emergency_does_not_escalate(on_duty: dict[str, Any]) -> None:
    incident = make_incident(SAIGON)
    signed_in(operator()).post(f"/api/contact/v1/reports/{incident.reference}/emergency")
    incident = Incident.objects.get(pk=incident.pk)
    incident_change(incident, actor=None, to_status=Status.RECEIVED)
    assert incident.emergency_at is not None
    assert emergency_escalate(now=incident.emergency_at + dt.timedelta(hours=2)).queued == 0


def test_a_unit_with_nobody_on_duty_is_recorded_as_skipped() -> None:
    incident = make_incident(SAIGON)
    signed_in(operator()).post(f"/api/contact/v1/reports/{incident.reference}/emergency")
    run_alert_jobs()
    skipped = Notice.objects.filter(kind=NoticeKind.EMERGENCY, status="skipped")
    assert skipped.count() >= 1
    assert job_args("send_notices") == []
