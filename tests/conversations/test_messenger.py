"""Facebook Messenger: the verification handshake, signed page webhooks, quick replies,
shared locations, and replies through the Send API inside the 24-hour window."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from backend.accounts.models import ChatIdentity
from backend.accounts.sms import SmsMessage
from backend.conversations.models import Conversation, ConversationMessage, InboundEvent
from backend.conversations.signatures import messenger_signature
from backend.incidents.models import Channel, Incident
from tests.contact.helpers import operator, signed_in
from tests.incidents.factories import SAIGON, point_in

from .conftest import Jobs
from .fakes import FakeMessenger
from .helpers import choice_of

pytestmark = pytest.mark.django_db
URL = "/api/conversations/v1/messenger/webhook"
PSID = "psid-42"


def post(client: APIClient, *items: dict[str, Any], secret: str = "messenger-app-secret") -> Any:
    body = json.dumps(
        {"object": "page", "entry": [{"id": "page-1", "time": 1, "messaging": list(items)}]}
    ).encode()
    return client.post(
        URL,
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": messenger_signature(body, secret)},
    )


_n = iter(range(1, 10_000))


def message(**content: Any) -> dict[str, Any]:
    return {
        "sender": {"id": PSID},
        "recipient": {"id": "page-1"},
        "timestamp": int(time.time() * 1000),
        "message": {"mid": f"m_{next(_n)}", **content},
    }


def location(lon: float, lat: float) -> dict[str, Any]:
    return message(
        attachments=[{"type": "location", "payload": {"coordinates": {"lat": lat, "long": lon}}}]
    )


def test_verification_handshake(client: APIClient, messenger: FakeMessenger) -> None:
    ok = client.get(
        URL, {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "12345"}
    )
    assert (ok.status_code, ok.content) == (200, b"12345")
    bad = client.get(
        URL, {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "12345"}
    )
    assert bad.status_code == 403 and bad.json()["code"] == "bad_verify_token"


def test_a_bad_signature_is_refused_and_nothing_stored(
    client: APIClient, messenger: FakeMessenger
) -> None:
    answer = post(client, message(text="xin chào"), secret="someone-else")
    assert answer.status_code == 403 and answer.json()["code"] == "bad_signature"
    assert not InboundEvent.objects.exists()


def test_a_dialogue_with_quick_replies_and_a_shared_location(
    client: APIClient, messenger: FakeMessenger, jobs: Jobs
) -> None:
    post(client, message(text="Cống bị tắc, nước tràn ra đường"))
    jobs.run()
    first = messenger.sent[0]
    assert first["messaging_type"] == "RESPONSE" and first["recipient"] == {"id": PSID}
    titles = [q["title"] for q in first["message"]["quick_replies"]]
    assert len(titles) >= 3 and all(len(t) <= 20 for t in titles)
    number = choice_of("flooding")
    post(client, message(text=number, quick_reply={"payload": number}))
    jobs.run()
    post(client, location(*point_in(SAIGON)))
    jobs.run()
    post(client, message(text="không"))
    jobs.run()
    post(client, message(text="ok"))
    jobs.run()
    incident = Incident.objects.get()
    assert incident.channel == Channel.MESSENGER and incident.category.code == "flooding"
    assert messenger.texts(PSID)[-1].startswith(f"Đã nhận phản ánh {incident.reference}.")


def test_echoes_and_read_receipts_are_ignored_and_a_batch_is_stored_once(
    client: APIClient, messenger: FakeMessenger
) -> None:
    echo = message(text="our own", is_echo=True)
    read = {"sender": {"id": PSID}, "recipient": {"id": "page-1"}, "read": {"watermark": 1}}
    text = message(text="Đèn đường hỏng")
    answer = post(client, echo, read, text)
    assert answer.json() == {"stored": 1, "duplicates": 0, "ignored": 2}
    again = post(client, text)
    assert again.json() == {"stored": 0, "duplicates": 1, "ignored": 0}
    assert InboundEvent.objects.count() == 1


def test_an_operator_reply_after_the_24_hour_window_goes_by_sms(
    client: APIClient, messenger: FakeMessenger, jobs: Jobs, sms_outbox: list[SmsMessage]
) -> None:
    post(client, message(text="Đèn đường hỏng"))
    jobs.run()
    identity = ChatIdentity.objects.get(channel="messenger", external_id=PSID)
    identity.user.phone = "+84907654321"
    identity.user.save()
    ChatIdentity.objects.filter(pk=identity.pk).update(
        last_inbound_at=timezone.now() - dt.timedelta(hours=25)
    )
    conversation = Conversation.objects.get()
    answer = signed_in(operator()).post(
        f"/api/conversations/v1/conversations/{conversation.pk}/replies",
        {"text": "Chúng tôi đã chuyển phường xử lý."},
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    jobs.run()
    assert len(messenger.sent) == 1  # only the dialogue's question, inside the window
    (sms,) = sms_outbox
    assert (sms.to, sms.text) == ("+84907654321", "[1022] Chúng tôi đã chuyển phường xử lý.")
    reply = ConversationMessage.objects.get(author__isnull=False)
    assert (reply.status, reply.sent_via) == ("sent", "sms")


def test_the_platform_saying_the_window_closed_fails_the_message_without_a_phone(
    client: APIClient, messenger: FakeMessenger, jobs: Jobs
) -> None:
    messenger.errors = [(10, 2018278)]
    post(client, message(text="Đèn đường hỏng"))
    jobs.run()
    out = ConversationMessage.objects.get(direction="out")
    assert out.status == "failed" and "2018278" in out.last_error
    assert jobs.retries == []
