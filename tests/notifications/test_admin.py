"""Failed deliveries are visible to admins and can be sent again (one job per event)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from procrastinate.contrib.django.models import ProcrastinateJob

from backend.incidents.models import EventKind, Incident
from backend.notifications.models import Channel, Delivery, DeliveryStatus
from backend.notifications.services import deliveries_retry
from tests.incidents.factories import make_incident, make_user

pytestmark = pytest.mark.django_db
TASK = "notify_incident_status_changed"


def failed_delivery(incident: Incident) -> Delivery:
    event = incident.events.get(kind=EventKind.STATUS)
    assert incident.reporter is not None
    return Delivery.objects.create(
        event=event,
        recipient=incident.reporter,
        channel=Channel.PUSH,
        status=DeliveryStatus.FAILED,
        attempts=3,
        last_error="UnavailableError: fake UNAVAILABLE",
    )


@pytest.fixture
def admin_client(db: Any) -> Client:
    client = Client()
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def test_failed_deliveries_are_listed_for_admins(
    admin_client: Client, django_assert_max_num_queries: Any
) -> None:
    for _ in range(3):
        failed_delivery(make_incident(reporter=make_user()))
    with django_assert_max_num_queries(8):
        response = admin_client.get("/admin/notifications/delivery/", {"status__exact": "failed"})
    assert response.status_code == 200
    assert response.content.count(b"UnavailableError") == 3


def test_send_again_resets_failed_deliveries_and_defers_one_job_per_event(
    admin_client: Client,
) -> None:
    incident = make_incident(reporter=make_user())
    row = failed_delivery(incident)
    ProcrastinateJob.objects.all().delete()  # the job of the filing itself
    response = admin_client.post(
        "/admin/notifications/delivery/",
        {"action": "retry", "_selected_action": [row.pk]},
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 0)
    job = ProcrastinateJob.objects.get(task_name=TASK)
    assert job.args == {"incident_id": incident.pk, "event_id": row.event_id}


def test_send_again_rolled_back_queues_nothing() -> None:
    row = failed_delivery(make_incident(reporter=make_user()))
    ProcrastinateJob.objects.all().delete()  # the job of the filing itself
    with pytest.raises(RuntimeError), transaction.atomic():
        assert deliveries_retry(deliveries=Delivery.objects.all()) == 1
        raise RuntimeError
    assert not ProcrastinateJob.objects.filter(task_name=TASK).exists()
    row.refresh_from_db()
    assert row.status == DeliveryStatus.FAILED


def test_unique_per_event_recipient_channel() -> None:
    from django.db import IntegrityError

    row = failed_delivery(make_incident(reporter=make_user()))
    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(event=row.event, recipient=row.recipient, channel=Channel.PUSH)
    Delivery.objects.create(event=row.event, recipient=row.recipient, channel=Channel.SMS)
