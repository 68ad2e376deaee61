"""The CTI webhook: signed events open and end call cards; anything else stores nothing."""

from __future__ import annotations

import time
from typing import Any

import pytest
from rest_framework.test import APIClient

from backend.contact import cti
from backend.contact.models import Contact

from .helpers import CALLER, cti_post, cti_secret

pytestmark = pytest.mark.django_db
__all__ = ["cti_secret"]


def test_a_signed_ring_opens_one_call_card(api: APIClient, cti_secret: str) -> None:
    first = cti_post(api, {"event": "ringing", "call_id": "c-1", "caller": "0901 234 567"})
    again = cti_post(api, {"event": "ringing", "call_id": "c-1", "caller": "0901234567"})
    assert first.status_code == 201
    assert first.json()["caller_phone"] == CALLER
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Contact.objects.filter(call_id="c-1").count() == 1


@pytest.mark.parametrize("secret", ["wrong-secret", ""])
def test_a_bad_signature_is_403_and_stores_nothing(
    api: APIClient, cti_secret: str, secret: str
) -> None:
    response = cti_post(
        api, {"event": "ringing", "call_id": "c-2", "caller": CALLER}, secret=secret
    )
    assert response.status_code == 403
    assert response.json()["code"] == "bad_signature"
    assert not Contact.objects.exists()


def test_a_missing_signature_is_403(api: APIClient, cti_secret: str) -> None:
    response = api.post(
        "/api/contact/v1/cti/events",
        {"event": "ringing", "call_id": "c-3", "caller": CALLER},
        format="json",
    )
    assert response.status_code == 403
    assert not Contact.objects.exists()


def test_an_old_signed_request_is_not_replayed(api: APIClient, cti_secret: str) -> None:
    response = cti_post(
        api, {"event": "ringing", "call_id": "c-4", "caller": CALLER}, at=time.time() - 3600
    )
    assert response.status_code == 403
    assert response.json()["code"] == "stale_signature"
    assert not Contact.objects.exists()


def test_without_a_configured_secret_every_event_is_refused(api: APIClient, settings: Any) -> None:
    settings.CTI_SHARED_SECRET = ""
    response = cti_post(api, {"event": "ringing", "call_id": "c-5", "caller": CALLER}, secret="")
    assert response.status_code == 403


@pytest.mark.parametrize("number", ["+14155550100", "12345", "0281234567"])
def test_a_number_that_is_not_a_vietnamese_mobile_is_400(
    api: APIClient, cti_secret: str, number: str
) -> None:
    response = cti_post(api, {"event": "ringing", "call_id": "c-6", "caller": number})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_phone"
    assert not Contact.objects.exists()


def test_hang_up_ends_the_call_and_an_unknown_call_id_is_404(
    api: APIClient, cti_secret: str
) -> None:
    cti_post(api, {"event": "ringing", "call_id": "c-7", "caller": CALLER})
    ended = cti_post(api, {"event": "hangup", "call_id": "c-7"})
    unknown = cti_post(api, {"event": "hangup", "call_id": "nobody"})
    assert ended.status_code == 200
    assert Contact.objects.get(call_id="c-7").ended_at is not None
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "contact_not_found"


def test_a_signed_body_that_is_not_json_is_400(api: APIClient, cti_secret: str) -> None:
    stamp = str(int(time.time()))
    response = api.post(
        "/api/contact/v1/cti/events",
        data=b"not json",
        content_type="application/json",
        headers={
            cti.TIMESTAMP_HEADER: stamp,
            cti.SIGNATURE_HEADER: cti.signature(cti_secret, stamp, b"not json"),
        },
    )
    assert response.status_code == 400
