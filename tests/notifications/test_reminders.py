"""The reminder sweep: due soon → assigned unit, overdue → leader, later → parent's leader."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from backend.accounts.sms import SmsMessage
from backend.incidents.models import Incident, Status
from backend.notifications.deliveries import RetryLater
from backend.notifications.models import Channel, DeliveryStatus, JobError, Notice, NoticeKind
from backend.notifications.reminders import reminders_sweep
from backend.notifications.tasks import reminders_sweep_job, send_notices
from backend.units.models import Role, Unit
from tests.incidents.factories import SAIGON, make_incident, make_staff, ward_unit

from .helpers import run_send_jobs, send_jobs, sms_outbox, with_leader

pytestmark = pytest.mark.django_db
__all__ = ["sms_outbox"]
NOW = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)  # Monday 10:00 in Ho Chi Minh City


@pytest.fixture
def unit() -> Unit:
    unit = with_leader(ward_unit(SAIGON), "+84900000001", "leader@saigon.example")
    assert unit.parent is not None
    with_leader(unit.parent, "+84900000002", "city@hcm.example")
    return unit


def incident_due(hours: float, **fields: Any) -> Incident:
    return make_incident(due_at=NOW + dt.timedelta(hours=hours), status=Status.RECEIVED, **fields)


def sent_to(outbox: list[SmsMessage]) -> list[str]:
    return sorted([m.to for m in outbox] + [to for m in mail.outbox for to in m.to])


def test_each_level_goes_to_its_people_once(
    settings: Any, unit: Unit, sms_outbox: list[SmsMessage]
) -> None:
    settings.REMINDER_DUE_WITHIN_HOURS = 24
    settings.REMINDER_ESCALATE_AFTER_HOURS = 48
    handler = make_staff(Role.HANDLER, unit)
    handler.email, handler.phone = "handler@saigon.example", "+84900000003"
    handler.save()
    soon = incident_due(5)
    later = incident_due(30)  # outside the window: nothing yet
    late = incident_due(-1)
    very_late = incident_due(-50)
    closed_late = make_incident(due_at=NOW - dt.timedelta(hours=1), status=Status.RESOLVED)

    run = reminders_sweep(now=NOW)

    assert run.found == {"reminder": 1, "overdue": 2, "escalation": 1}
    rows = set(Notice.objects.values_list("incident_id", "kind", "channel", "address"))
    assert rows == {
        (soon.pk, "reminder", "email", "handler@saigon.example"),
        (soon.pk, "reminder", "sms", "+84900000003"),
        (late.pk, "overdue", "sms", "+84900000001"),
        (late.pk, "overdue", "email", "leader@saigon.example"),
        (very_late.pk, "overdue", "sms", "+84900000001"),
        (very_late.pk, "overdue", "email", "leader@saigon.example"),
        (very_late.pk, "escalation", "sms", "+84900000002"),
        (very_late.pk, "escalation", "email", "city@hcm.example"),
    }
    assert not Notice.objects.filter(incident__in=[later, closed_late]).exists()
    escalation = Notice.objects.get(kind=NoticeKind.ESCALATION, channel=Channel.SMS)
    assert escalation.unit == unit.parent
    assert very_late.reference in escalation.body and "quá hạn hơn 48 giờ" in escalation.body

    run_send_jobs()
    assert len(sms_outbox) == 4 and len(mail.outbox) == 4
    assert set(Notice.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    reminder = next(m for m in mail.outbox if m.to == ["handler@saigon.example"])
    assert reminder.subject == f"[1022] Sắp đến hạn: phản ánh {soon.reference}"
    assert "08:00 23/11/2026" not in reminder.body and "15:00 23/11/2026" in reminder.body

    # the next sweeps find nothing new, and re-running the jobs sends nothing twice
    jobs = len(send_jobs())
    again = reminders_sweep(now=NOW + dt.timedelta(minutes=15))
    assert again.queued == 0 and len(send_jobs()) == jobs
    run_send_jobs()
    assert len(sms_outbox) == 4 and len(mail.outbox) == 4


def test_escalation_waits_for_the_delay(settings: Any, unit: Unit) -> None:
    settings.REMINDER_ESCALATE_AFTER_HOURS = 4
    incident = incident_due(-3)
    reminders_sweep(now=NOW)
    assert set(Notice.objects.values_list("kind", flat=True)) == {"overdue"}
    reminders_sweep(now=NOW + dt.timedelta(hours=1, minutes=1))
    assert Notice.objects.filter(incident=incident, kind="escalation").count() == 2


def test_assignee_gets_the_reminder_and_old_backlog_is_left_alone(
    settings: Any, unit: Unit
) -> None:
    settings.REMINDER_LOOKBACK_DAYS = 7
    assignee = make_staff(Role.HANDLER, unit)
    assignee.email = "me@saigon.example"
    assignee.save()
    make_staff(Role.HANDLER, unit).save()  # another handler, no contact: not asked
    incident = incident_due(2, assignee=assignee)
    incident_due(-24 * 10)  # overdue for 10 days: the digest counts it, no alert now
    reminders_sweep(now=NOW)
    assert list(Notice.objects.values_list("incident_id", "kind", "address")) == [
        (incident.pk, "reminder", "me@saigon.example")
    ]


def test_a_unit_without_contacts_is_recorded_as_skipped(unit: Unit) -> None:
    Unit.objects.filter(pk=unit.pk).update(leader_phone="", leader_email="")
    incident = incident_due(-1)
    assert reminders_sweep(now=NOW).queued == 0
    notice = Notice.objects.get(incident=incident)
    assert (notice.kind, notice.status, notice.address) == ("overdue", "skipped", "")
    assert not send_jobs()
    assert reminders_sweep(now=NOW).found["overdue"] == 0  # not reconsidered


def test_rollback_leaves_no_notice_and_no_job(unit: Unit) -> None:
    incident_due(-1)
    with pytest.raises(RuntimeError), transaction.atomic():
        reminders_sweep(now=NOW)
        assert send_jobs()
        raise RuntimeError
    assert not Notice.objects.exists() and not send_jobs()


def test_failed_sms_is_retried_then_marked_failed(
    settings: Any, unit: Unit, sms_outbox: list[SmsMessage]
) -> None:
    settings.SMS_GATEWAY = "tests.notifications.helpers.BrokenGateway"
    settings.NOTICE_MAX_ATTEMPTS = 2
    Unit.objects.filter(pk=unit.pk).update(leader_email="")
    incident_due(-1)
    reminders_sweep(now=NOW)
    (args,) = send_jobs()
    with pytest.raises(RetryLater):
        send_notices(**args)
    notice = Notice.objects.get()
    assert (notice.status, notice.attempts) == ("pending", 1)
    assert "gateway down" in notice.last_error
    send_notices(**args)
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == ("failed", 2)


def test_the_periodic_job_sweeps_at_its_tick(unit: Unit) -> None:
    incident = incident_due(-1)
    reminders_sweep_job(timestamp=int(NOW.timestamp()))
    assert Notice.objects.filter(incident=incident, kind="overdue").count() == 2
    assert timezone.is_aware(Notice.objects.first().created_at)  # type: ignore[union-attr]


def test_admins_see_notices_and_job_errors(
    unit: Unit, admin_client: Any, django_assert_max_num_queries: Any
) -> None:
    for hours in (-1, -2, -3):
        incident_due(hours)
    reminders_sweep(now=NOW)
    JobError.objects.create(job_id=1, task_name="send_notices", error="SmsError: 503")
    with django_assert_max_num_queries(8):
        response = admin_client.get("/admin/notifications/notice/", {"kind__exact": "overdue"})
    assert response.status_code == 200 and response.content.count(b"leader@saigon") == 3
    assert admin_client.get("/admin/notifications/joberror/").status_code == 200
