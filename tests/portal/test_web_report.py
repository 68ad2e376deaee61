"""Filing a report from the web: the app's SMS codes make a web session, the same intake path
(`incident_submit`, channel web, idempotent), the same rules, limits, and CSRF on every write."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from backend.accounts import sms
from backend.incidents.models import Channel, Incident, IncidentPhoto
from tests.mobile_api.fixtures import stored_files
from tests.mobile_api.images import SAIGON, exif_with, jpeg_bytes

from .conftest import csrf, web_sign_in

pytestmark = pytest.mark.django_db
PHONE = "0912 345 678"


@pytest.fixture
def resident_client(
    outbox: list[sms.SmsMessage], django_capture_on_commit_callbacks: Any
) -> Client:
    client = Client(enforce_csrf_checks=True)
    signed = web_sign_in(client, outbox, PHONE, django_capture_on_commit_callbacks)
    assert signed.status_code == 200 and signed.json()["signed_in"] is True
    assert PHONE.replace(" ", "")[-3:] in signed.json()["phone"]
    return client


def post_report(client: Client, key: str = "k-1", **fields: Any) -> Any:
    data = {"category": "road-damage", "description": "Ổ gà sâu trước nhà 12", **fields}
    data.setdefault("lat", "10.7769")
    data.setdefault("lon", "106.7009")
    return client.post("/api/public/v1/reports", data, HTTP_IDEMPOTENCY_KEY=key, **csrf(client))


def test_sign_in_and_file_a_report_once(resident_client: Client) -> None:
    first = post_report(resident_client)
    again = post_report(resident_client)  # the page retried: the same key files nothing new
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["reference"] == again.json()["reference"]
    incident = Incident.objects.get()
    assert incident.channel == Channel.WEB
    assert incident.reporter is not None and incident.reporter.phone == "+84912345678"
    assert first.json()["public_url"] == f"/phan-anh/{incident.reference}/"
    assert resident_client.get(first.json()["public_url"]).status_code == 200


def test_photo_location_is_used_and_the_photo_cleaned(resident_client: Client) -> None:
    photo = SimpleUploadedFile("p.jpg", jpeg_bytes(exif=exif_with(SAIGON)), "image/jpeg")
    response = post_report(resident_client, lat="", lon="", photos=[photo])
    assert response.status_code == 201, response.content
    incident = Incident.objects.get()
    assert incident.location_source == "photo"
    assert abs(incident.location.x - SAIGON[0]) < 1e-4
    stored = IncidentPhoto.objects.get(incident=incident)
    assert b"Exif" not in stored.image.read()[:4096]  # the same cleaning as the app


def test_the_same_rules_as_the_app(resident_client: Client, media: Path) -> None:
    outside = post_report(resident_client, lat="10.1", lon="107.3")
    assert outside.status_code == 422 and outside.json()["code"] == "outside_service_area"
    nowhere = post_report(resident_client, key="k-2", lat="", lon="")
    assert nowhere.status_code == 400 and nowhere.json()["code"] == "location_required"
    no_key = post_report(resident_client, key="")
    assert no_key.status_code == 400 and no_key.json()["code"] == "invalid_idempotency_key"
    assert not Incident.objects.exists() and stored_files(media) == []


def test_filing_needs_a_signed_in_resident() -> None:
    client = Client(enforce_csrf_checks=True)
    response = post_report(client)
    assert response.status_code == 401 and response.json()["code"] == "sign_in_required"
    assert not Incident.objects.exists()


def test_every_write_needs_the_csrf_token(resident_client: Client) -> None:
    response = resident_client.post(
        "/api/public/v1/reports", {"category": "road-damage"}, HTTP_IDEMPOTENCY_KEY="k"
    )
    assert response.status_code == 403
    code = Client(enforce_csrf_checks=True).post("/api/public/v1/session/code", {"phone": PHONE})
    assert code.status_code == 403


def test_wrong_codes_count_as_in_the_app(outbox: list[sms.SmsMessage], capture: Any) -> None:
    client = Client()
    with capture(execute=True):
        client.post("/api/public/v1/session/code", {"phone": PHONE})
    wrong = client.post("/api/public/v1/session", {"phone": PHONE, "code": "000000"})
    assert wrong.status_code == 400 and wrong.json()["code"] == "otp_invalid"
    assert client.get("/api/public/v1/session").json() == {"signed_in": False}


def test_public_submit_is_rate_limited(resident_client: Client, settings: Any) -> None:
    settings.PORTAL_THROTTLE_RATES = {**settings.PORTAL_THROTTLE_RATES, "submit": "2/hour"}
    answers = [post_report(resident_client, key=f"k-{i}").status_code for i in range(3)]
    assert answers == [201, 201, 429]
    assert Incident.objects.count() == 2


def test_public_submit_throttles_read_and_write_their_counters_together(
    resident_client: Client, settings: Any
) -> None:
    """On the shared PostgreSQL cache the three throttles of a web submit (per client, per
    resident, per address) cost one read and one write together, with the same limits."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.CACHES = {
        "default": {"BACKEND": "backend.common.cache.PostgresCache", "LOCATION": "hotline_cache"}
    }
    settings.PORTAL_THROTTLE_RATES = {**settings.PORTAL_THROTTLE_RATES, "submit_address": "2/hour"}
    answers = []
    for i in range(3):
        with CaptureQueriesContext(connection) as queries:
            answers.append(post_report(resident_client, key=f"t-{i}").status_code)
        counters = [q["sql"] for q in queries.captured_queries if "hotline_cache" in q["sql"]]
        assert len(counters) == 2, counters
    assert answers == [201, 201, 429]
    assert Incident.objects.count() == 2


def test_codes_are_rate_limited_per_address(settings: Any, outbox: Any, capture: Any) -> None:
    settings.PORTAL_THROTTLE_RATES = {**settings.PORTAL_THROTTLE_RATES, "code": "2/hour"}
    client = Client()
    with capture(execute=True):
        answers = [
            client.post("/api/public/v1/session/code", {"phone": f"091234567{i}"}).status_code
            for i in range(3)
        ]
    assert answers == [202, 202, 429]


def test_sign_out(resident_client: Client) -> None:
    resident_client.delete("/api/public/v1/session", **csrf(resident_client))
    assert resident_client.get("/api/public/v1/session").json() == {"signed_in": False}


@pytest.fixture
def capture(django_capture_on_commit_callbacks: Any) -> Any:
    return django_capture_on_commit_callbacks
