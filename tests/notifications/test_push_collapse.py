"""Every push carries one collapse identity per (report, status change), on the wire: a resend
(a timeout, a worker killed mid-batch) replaces the first notice on the phone instead of
adding a second; the next status change is a notice of its own."""

from __future__ import annotations

from typing import Any

import pytest

from backend.accounts.models import User
from backend.incidents.models import Incident, Status
from backend.incidents.services.workflow import incident_transition
from backend.notifications.models import Delivery, DeliveryStatus
from backend.units.models import Role
from tests.incidents.factories import SAIGON, make_staff, ward_unit

from .fake_fcm import FakeFCM, Reply
from .push_jobs import device, jobs, receive, run_job

pytestmark = pytest.mark.django_db


def identity(body: dict[str, Any]) -> tuple[str, str, str, str]:
    message = body["message"]
    return (
        message["android"]["collapse_key"],
        message["android"]["notification"]["tag"],
        message["apns"]["headers"]["apns-collapse-id"],
        message["apns"]["payload"]["aps"]["thread-id"],
    )


def test_each_push_carries_the_collapse_identity_of_its_report_and_event(
    fcm: FakeFCM, reporter: User, incident: Incident
) -> None:
    device(reporter, "android-1", platform="android")
    device(reporter, "iphone-1", platform="ios")
    args = receive(incident)
    assert run_job(args) is None
    key = f"report-{incident.pk}-event-{args['event_id']}"
    thread = f"report-{incident.pk}"
    assert [identity(b) for b in fcm.bodies] == [(key, key, key, thread)] * 2


def test_a_resend_after_a_lost_answer_carries_the_same_identity(
    fcm: FakeFCM, reporter: User, incident: Incident
) -> None:
    device(reporter, "phone")
    args = receive(incident)
    assert run_job(args) is None
    # the worker died after FCM took the message but before the row was saved
    Delivery.objects.update(status=DeliveryStatus.PENDING, sent_devices=[], attempts=0)
    assert run_job(args) is None
    first, again = fcm.bodies_for("phone")
    assert identity(first) == identity(again)  # the phone replaces the first notice


def test_a_resend_by_the_sdk_after_a_timeout_carries_the_same_identity(
    fcm: FakeFCM, settings: Any, reporter: User, incident: Incident
) -> None:
    settings.FCM_TIMEOUT_SECONDS = 0.3
    device(reporter, "phone")
    fcm.script("phone", Reply.slow(1.0))  # FCM took it, the answer came too late
    assert run_job(receive(incident)) is None
    first, again = fcm.bodies_for("phone")
    assert identity(first) == identity(again)


def test_the_next_status_change_is_a_notice_of_its_own(
    fcm: FakeFCM, reporter: User, incident: Incident
) -> None:
    device(reporter, "phone")
    run_job(receive(incident))
    operator = make_staff(Role.OPERATOR, ward_unit(SAIGON))
    incident_transition(actor=operator, incident=incident, to_status=Status.REJECTED, note="x")
    run_job(jobs()[-1])
    received, rejected = fcm.bodies_for("phone")
    assert identity(received)[0] != identity(rejected)[0]
    assert identity(received)[3] == identity(rejected)[3]  # one thread per report on iOS
