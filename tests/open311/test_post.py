"""POST requests (api_key, location, attributes, media); round trip through tokens/{token}."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from backend.accounts.api_keys import IssuedKey, api_client_create, api_client_revoke
from backend.incidents.models import Channel, Incident
from tests.mobile_api.images import SAIGON, exif_with, jpeg_bytes, upload
from tests.open311.conftest import BASE, children, xml_of

pytestmark = pytest.mark.django_db


def form(issued: IssuedKey | None, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "service_code": "rubbish",
        "lat": str(SAIGON[1]),
        "long": str(SAIGON[0]),
        "description": "Rác tồn đọng đầu hẻm 45",
        "first_name": "Lan",
        "last_name": "Nguyễn",
        "email": "lan@example.com",
        "phone": "0901234567",
        "device_id": "device-abc",
    }
    if issued is not None:
        data["api_key"] = issued.key
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_round_trip_post_token_id(api: APIClient, issued: IssuedKey, fmt: str) -> None:
    response = api.post(f"{BASE}requests.{fmt}", form(issued))
    assert response.status_code == 201, response.content
    if fmt == "xml":
        request = xml_of(response).find("request")
        assert request is not None
        assert children(request) == ["service_request_id", "token", "service_notice", "account_id"]
        request_id, token = request.findtext("service_request_id"), request.findtext("token")
    else:
        row = response.json()[0]
        request_id, token = row["service_request_id"], row["token"]
        assert row["service_notice"] and row["account_id"] is None
    incident = Incident.objects.get(reference=request_id)
    assert incident.channel == Channel.OPEN311 and incident.reporter == issued.client.user
    by_token = api.get(f"{BASE}tokens/{token}.{fmt}")
    assert by_token.status_code == 200
    if fmt == "xml":
        assert xml_of(by_token).findtext("request/service_request_id") == request_id
    else:
        assert by_token.json() == [{"service_request_id": request_id, "token": token}]
    by_id = api.get(f"{BASE}requests/{request_id}.json").json()[0]
    assert by_id["status"] == "open" and by_id["service_code"] == "rubbish"
    assert by_id["description"] == "Rác tồn đọng đầu hẻm 45"
    public = api.get(f"{BASE}requests/{request_id}.json", {"extensions": "true"}).content.decode()
    for private in ("Lan", "lan@example.com", "0901234567", "device-abc", "Nguyễn"):
        assert private not in public
    assert api.get(f"{BASE}tokens/not-a-token.json").status_code == 404


def test_key_required_and_revocable(api: APIClient, issued: IssuedKey) -> None:
    missing = api.post(BASE + "requests.xml", form(None))
    assert missing.status_code == 403 and xml_of(missing).findtext("error/code") == "403"
    wrong = api.post(BASE + "requests.json", form(None, api_key="o311_wrong"))
    assert wrong.status_code == 403 and wrong.json()[0]["code"] == 403
    api_client_revoke(client=issued.client)
    assert api.post(BASE + "requests.json", form(issued)).status_code == 403
    assert api.get(BASE + "services.json", {"api_key": issued.key}).status_code == 403
    assert Incident.objects.filter(channel=Channel.OPEN311).count() == 0


def test_keys_are_stored_hashed(issued: IssuedKey) -> None:
    assert issued.key not in (issued.client.key_hash, issued.client.key_prefix)
    assert len(issued.client.key_hash) == 64 and not issued.client.user.is_active


def test_attributes_are_validated_and_kept(api: APIClient, issued: IssuedKey) -> None:
    missing = api.post(BASE + "requests.json", form(issued, service_code="flooding"))
    assert missing.status_code == 400
    assert any("water_depth" in e["description"] for e in missing.json())
    bad = form(issued, service_code="flooding", **{"attribute[water_depth]": "ocean"})
    assert api.post(BASE + "requests.json", bad).status_code == 400
    good = form(
        issued,
        service_code="flooding",
        **{"attribute[water_depth]": "knee", "attribute[blocked_drain]": "yes"},
    )
    response = api.post(BASE + "requests.json", good)
    assert response.status_code == 201, response.content
    incident = Incident.objects.get(reference=response.json()[0]["service_request_id"])
    first = incident.events.get()
    assert first.data == {"attributes": {"water_depth": "knee", "blocked_drain": "yes"}}


def test_location_rules(api: APIClient, issued: IssuedKey) -> None:
    nowhere = api.post(BASE + "requests.json", form(issued, lat=None, long=None))
    assert nowhere.status_code == 400
    address_only = form(issued, lat=None, long=None, address_string="12 Lê Lợi, Sài Gòn")
    assert api.post(BASE + "requests.json", address_only).status_code == 400  # no geocoder
    outside = api.post(BASE + "requests.xml", form(issued, lat="21.0285", long="105.8542"))
    assert outside.status_code == 400 and xml_of(outside).findtext("error/code") == "400"
    assert api.post(BASE + "requests.json", form(issued, service_code="nope")).status_code == 400
    assert api.post(BASE + "requests.json", form(issued, jurisdiction_id="x")).status_code == 400


def test_multipart_media_with_gps_and_address(
    api: APIClient, issued: IssuedKey, media: Path
) -> None:
    data = form(issued, lat=None, long=None, address_string="Hẻm 45 Lê Lợi")
    data["media"] = [upload(jpeg_bytes(exif=exif_with()))]
    response = api.post(BASE + "requests.json", data, format="multipart")
    assert response.status_code == 201, response.content
    request_id = response.json()[0]["service_request_id"]
    row = api.get(f"{BASE}requests/{request_id}.json").json()[0]
    assert row["address"] == "Hẻm 45 Lê Lợi" and row["media_url"].startswith("http://testserver/")
    stored = [p for p in media.rglob("*.jpg")]
    assert stored and all(b"Exif" not in p.read_bytes() for p in stored)


def test_rate_limit_per_key(api: APIClient, settings: Any) -> None:
    slow = api_client_create(name="chậm", rate_limit="2/minute")
    fast = api_client_create(name="nhanh", rate_limit="100/minute")
    for _ in range(2):
        assert api.get(BASE + "services.json", {"api_key": slow.key}).status_code == 200
    limited = api.get(BASE + "services.xml", {"api_key": slow.key})
    assert limited.status_code == 429 and limited["Retry-After"]
    assert xml_of(limited).findtext("error/code") == "429"
    assert api.get(BASE + "services.json", {"api_key": fast.key}).status_code == 200
