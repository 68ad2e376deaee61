"""Inbound SMS from the gateway: a signed callback, long messages in parts joined, the same
dialogue answered by SMS."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from rest_framework.test import APIClient

from backend.accounts.sms import SmsMessage
from backend.conversations.models import ConversationMessage, InboundEvent
from backend.conversations.signatures import sms_signature

from .conftest import Jobs

pytestmark = pytest.mark.django_db
URL = "/api/conversations/v1/sms/inbound"
SECRET = "sms-inbound-secret"


@pytest.fixture(autouse=True)
def _secret(settings: Any) -> None:
    settings.SMS_INBOUND_SECRET = SECRET


def post(client: APIClient, payload: dict[str, Any], *, at: float | None = None) -> Any:
    body = json.dumps(payload).encode()
    stamp = str(int(at if at is not None else time.time()))
    return client.post(
        URL,
        data=body,
        content_type="application/json",
        headers={"X-SMS-Timestamp": stamp, "X-SMS-Signature": sms_signature(SECRET, stamp, body)},
    )


def test_parts_of_a_long_message_are_joined_and_answered_by_sms(
    client: APIClient, jobs: Jobs, sms_outbox: list[SmsMessage]
) -> None:
    parts = ["Cây xanh bị đổ chắn ngang đường Nguyễn ", "Thị Minh Khai, xe không qua được"]
    # the second part arrives first
    for seq in (2, 1):
        answer = post(
            client,
            {
                "message_id": f"gw-{seq}",
                "from": "0901234567",
                "to": "1022",
                "text": parts[seq - 1],
                "concat": {"ref": "77", "part": seq, "total": 2},
            },
        )
        assert answer.status_code == 200
    jobs.run()
    (incoming,) = ConversationMessage.objects.filter(direction="in")
    assert incoming.text == "".join(parts)
    (reply,) = sms_outbox
    assert reply.to == "+84901234567" and reply.text.startswith("[1022] Sự việc thuộc lĩnh vực")


def test_a_bad_or_stale_signature_is_403_and_nothing_stored(client: APIClient) -> None:
    payload = {"message_id": "gw-1", "from": "0901234567", "text": "xin chào"}
    body = json.dumps(payload).encode()
    stamp = str(int(time.time()))
    forged = client.post(
        URL,
        data=body,
        content_type="application/json",
        headers={"X-SMS-Timestamp": stamp, "X-SMS-Signature": sms_signature("x", stamp, body)},
    )
    assert forged.status_code == 403
    stale = post(client, payload, at=time.time() - 3600)
    assert stale.status_code == 403 and stale.json()["code"] == "stale_signature"
    assert not InboundEvent.objects.exists()


def test_a_number_that_is_not_a_phone_is_400(client: APIClient) -> None:
    answer = post(client, {"message_id": "gw-1", "from": "not-a-phone", "text": "x"})
    assert answer.status_code == 400 and answer.json()["code"] == "invalid_phone"
    assert not InboundEvent.objects.exists()
