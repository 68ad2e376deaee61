"""A public reply reaches the reporter and followers like a status change; an internal note never
reaches anyone outside."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from backend.accounts.models import User
from backend.accounts.sms import SmsMessage
from backend.incidents.models import Incident
from backend.incidents.services.handling import incident_comment
from backend.notifications.models import Delivery, Follow
from backend.units.models import Role
from tests.incidents.factories import SAIGON, make_incident, make_staff, make_user, ward_unit

from .fake_fcm import FakeFCM
from .helpers import sms_outbox
from .push_jobs import device, jobs, run_job

__all__ = ["sms_outbox"]
pytestmark = pytest.mark.django_db

REPLY = "Đội thoát nước sẽ đến kiểm tra sáng mai."


def talk(incident: Incident, text: str, internal: bool) -> list[dict[str, Any]]:
    before = len(jobs())
    incident_comment(
        actor=make_staff(Role.HANDLER, ward_unit(SAIGON)),
        incident=incident,
        text=text,
        internal=internal,
    )
    return jobs()[before:]


def test_a_public_reply_is_pushed_to_the_reporter_and_followers(
    fcm: FakeFCM, reporter: User, incident: Incident
) -> None:
    device(reporter, "rep-vi", "vi")
    follower = make_user()
    device(follower, "fol-en", "en")
    Follow.objects.create(incident=incident, user=follower)
    (args,) = talk(incident, REPLY, internal=False)
    assert run_job(args) is None
    (vi,) = fcm.bodies_for("rep-vi")
    assert vi["message"]["notification"]["body"] == f"Cơ quan xử lý trả lời: {REPLY}"
    assert vi["message"]["data"]["type"] == "report_reply"
    en = fcm.bodies_for("fol-en")[0]["message"]["notification"]["body"]
    assert en.startswith("The handling unit replied: ")
    assert Delivery.objects.filter(event_id=args["event_id"]).count() == 2


def test_an_internal_note_defers_nothing_and_sends_nothing(
    fcm: FakeFCM, reporter: User, incident: Incident
) -> None:
    device(reporter, "rep-vi", "vi")
    assert talk(incident, "Gọi đội 3 — nội bộ", internal=True) == []
    assert fcm.bodies == []


def test_a_reporter_without_the_app_gets_the_reply_by_sms(sms_outbox: list[SmsMessage]) -> None:
    incident = make_incident(reporter=make_user(phone="+84901112299", language="vi"))
    (args,) = talk(incident, REPLY, internal=False)
    assert run_job(args) is None
    (sms,) = sms_outbox
    assert sms.to == "+84901112299" and REPLY in sms.text
    assert mail.outbox == []  # no e-mail address given
