"""Status changes by SMS and e-mail for reporters without an active app device."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from backend.accounts.models import User
from backend.accounts.sms import SmsMessage
from backend.common.links import public_report_url
from backend.incidents.models import Incident
from backend.notifications.deliveries import RetryLater
from backend.notifications.models import Channel, Delivery, DeliveryStatus
from backend.notifications.services import deliveries_retry, device_register
from tests.incidents.factories import make_incident, make_user

from .helpers import sms_outbox
from .push_jobs import jobs, receive, run_job

pytestmark = pytest.mark.django_db
__all__ = ["sms_outbox"]


@pytest.fixture
def reporter() -> User:
    return make_user(phone="+84901112233", email="dan@example.vn", language="vi")


@pytest.fixture
def incident(reporter: User) -> Incident:
    return make_incident(reporter=reporter)


def rows() -> dict[str, str]:
    return dict(Delivery.objects.exclude(channel=Channel.PUSH).values_list("channel", "status"))


def test_reporter_without_device_gets_sms_and_email_once(
    incident: Incident, sms_outbox: list[SmsMessage]
) -> None:
    args = receive(incident)
    assert run_job(args) is None
    assert rows() == {"sms": "sent", "email": "sent"}
    (sms,) = sms_outbox
    assert sms.to == "+84901112233"
    assert sms.text == (
        f"[1022] Phản ánh {incident.reference}: "
        "Phản ánh của bạn đã chuyển sang trạng thái «Đã tiếp nhận». "
        + public_report_url(incident.reference)
    )
    (email,) = mail.outbox
    assert email.to == ["dan@example.vn"]
    assert email.subject == f"[1022] Phản ánh {incident.reference}"
    assert run_job(args) is None  # the job again: nothing twice
    assert len(sms_outbox) == 1 and len(mail.outbox) == 1


def test_in_the_reporters_language(
    reporter: User, incident: Incident, sms_outbox: list[SmsMessage]
) -> None:
    reporter.language = "en"
    reporter.save()
    run_job(receive(incident))
    assert sms_outbox[0].text == (
        f"[1022] Report {incident.reference}: Your report is now “Received”. "
        + public_report_url(incident.reference)
    )


def test_reporter_with_an_active_device_gets_push_only(
    reporter: User, incident: Incident, sms_outbox: list[SmsMessage]
) -> None:
    device_register(user=reporter, token="tok-1", platform="android")
    run_job(receive(incident))
    assert rows() == {} and not sms_outbox and not mail.outbox


def test_channels_can_be_switched_off(
    settings: Any, incident: Incident, sms_outbox: list[SmsMessage]
) -> None:
    settings.STATUS_SMS_FALLBACK = False
    run_job(receive(incident))
    assert rows() == {"email": "sent"} and not sms_outbox


def test_gateway_failure_retries_then_fails_then_admin_sends_again(
    settings: Any, incident: Incident, sms_outbox: list[SmsMessage]
) -> None:
    settings.NOTICE_MAX_ATTEMPTS = 2
    settings.STATUS_EMAIL_FALLBACK = False
    settings.SMS_GATEWAY = "tests.notifications.helpers.BrokenGateway"
    args = receive(incident)
    assert isinstance(run_job(args), RetryLater)
    assert rows() == {"sms": "pending"}
    assert run_job(args) is None
    row = Delivery.objects.get(channel=Channel.SMS)
    assert (row.status, row.attempts, row.last_error) == (
        DeliveryStatus.FAILED,
        2,
        "SmsError: gateway down (503)",
    )
    settings.SMS_GATEWAY = "backend.accounts.sms.MemoryGateway"
    before = len(jobs())
    assert deliveries_retry(deliveries=Delivery.objects.filter(pk=row.pk)) == 1
    (again,) = jobs()[before:]
    assert run_job(again) is None
    assert rows() == {"sms": "sent"} and len(sms_outbox) == 1
