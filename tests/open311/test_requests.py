"""GET requests / requests/{id} / servicerequestupdates: fields, filters, extensions, privacy."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db.models import F
from django.utils import timezone
from rest_framework.test import APIClient

from backend.incidents.models import (
    EventKind,
    Incident,
    IncidentEvent,
    IncidentPhoto,
    PhotoKind,
    Rating,
    Status,
)
from tests.incidents.factories import BEN_THANH, make_incident, make_user, point_in, ward_unit
from tests.open311.conftest import BASE, children, xml_of

pytestmark = pytest.mark.django_db
REQUEST = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


def ids(api: APIClient, **params: Any) -> list[str]:
    response = api.get(BASE + "requests.json", params)
    assert response.status_code == 200, response.content
    return [r["service_request_id"] for r in response.json()]


def resolved(incident: Incident, note: str = "Đã thu gom rác.", stars: int | None = None) -> None:
    now = timezone.now()
    Incident.objects.filter(pk=incident.pk).update(
        status=Status.RESOLVED, resolved_at=now, is_late=False
    )
    IncidentEvent.objects.create(
        incident=incident, kind=EventKind.STATUS, to_status=Status.RESOLVED, note=note
    )
    IncidentEvent.objects.create(
        incident=incident, kind=EventKind.NOTE, is_internal=True, note="nội bộ: gọi đội 3"
    )
    if stars:
        Rating.objects.create(incident=incident, stars=stars)


def test_fields_and_types_in_json_and_xml(api: APIClient) -> None:
    reporter = make_user(phone="+84901112223", email="ban@example.com", first_name="Lan")
    incident = make_incident(
        reporter=reporter,
        description="Rác tràn ra đường, gọi tôi 0901 112 223 hoặc ban@example.com",
        address="12 Lê Lợi",
    )
    resolved(incident, stars=4)
    body = api.get(f"{BASE}requests/{incident.reference}.json").json()
    assert len(body) == 1 and list(body[0]) == REQUEST
    row = body[0]
    assert row["status"] == "closed" and row["status_notes"] == "Đã thu gom rác."
    assert row["service_code"] == "rubbish" and row["agency_responsible"] == ward_unit("26740").name
    assert row["requested_datetime"].endswith("+07:00")
    assert dt.datetime.fromisoformat(row["expected_datetime"]) == incident.due_at
    assert isinstance(row["lat"], float) and isinstance(row["long"], float)
    assert "0901" not in row["description"] and "ban@example.com" not in row["description"]
    root = xml_of(api.get(f"{BASE}requests/{incident.reference}.xml"))
    assert root.tag == "service_requests"
    request = root.find("request")
    assert request is not None and children(request) == REQUEST
    text = api.get(f"{BASE}requests.json", {"extensions": "true"}).content.decode()
    for private in ("+84901112223", "ban@example.com", "Lan", "nội bộ", "reporter", "device"):
        assert private not in text


def test_hidden_rejected_cancelled_and_their_duplicates_are_not_public(api: APIClient) -> None:
    shown = make_incident()
    hidden = make_incident(is_public=False)
    rejected = make_incident(status=Status.REJECTED)
    cancelled = make_incident(status=Status.CANCELLED)
    dup_of_hidden = make_incident(status=Status.MERGED, merged_into=hidden)
    dup_of_shown = make_incident(status=Status.MERGED, merged_into=shown)
    listed = ids(api)
    assert shown.reference in listed and dup_of_shown.reference in listed
    for private in (hidden, rejected, cancelled, dup_of_hidden):
        assert private.reference not in listed
        assert api.get(f"{BASE}requests/{private.reference}.json").status_code == 404
    ext = api.get(f"{BASE}requests/{dup_of_shown.reference}.json", {"extensions": "true"}).json()
    assert ext[0]["extended_attributes"]["duplicate_of"] == shown.reference
    assert ext[0]["status"] == "closed"


def test_filters(api: APIClient) -> None:
    a = make_incident(category="road-damage")
    b = make_incident(BEN_THANH)
    resolved(b)
    assert ids(api, service_request_id=f"{a.reference},{b.reference}") == [b.reference, a.reference]
    assert a.reference in ids(api, service_code="road-damage,flooding")
    assert b.reference not in ids(api, service_code="road-damage")
    assert a.reference in ids(api, status="open") and b.reference not in ids(api, status="open")
    assert b.reference in ids(api, status="closed")
    assert {a.reference, b.reference} <= set(ids(api, status="open,closed"))
    old = timezone.now() - dt.timedelta(days=200)
    Incident.objects.filter(pk=a.pk).update(created_at=old)
    assert a.reference not in ids(api)  # default: the last 90 days
    start, end = old - dt.timedelta(days=1), old + dt.timedelta(days=1)
    assert ids(api, start_date=start.isoformat(), end_date=end.isoformat()) == [a.reference]
    # "+07:00" not percent-encoded in the query string arrives as " 07:00"
    local = timezone.localtime(start).strftime("%Y-%m-%dT%H:%M:%S")
    day_after = (end + dt.timedelta(days=1)).date()
    raw = api.get(f"{BASE}requests.json?start_date={local}+07:00&end_date={day_after}")
    assert [r["service_request_id"] for r in raw.json()] == [a.reference]
    # updated_after alone lifts the default window (the "what changed" poll of a client)
    assert a.reference in ids(
        api, updated_after=(timezone.now() - dt.timedelta(hours=1)).isoformat()
    )
    later = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    assert ids(api, updated_after=later) == []
    assert a.reference in ids(api, updated_before=later, start_date=start.isoformat())


def test_ninety_day_span_and_bad_parameters_are_400(api: APIClient) -> None:
    start = timezone.now() - dt.timedelta(days=100)
    for params in (
        {"start_date": start.isoformat(), "end_date": timezone.now().isoformat()},
        {"start_date": "yesterday"},
        {"status": "pending"},
        {"lat": "10.77", "long": "106.70", "radius": "-5"},
        {"bbox": "1,2,3"},
        {"page_size": "0"},
    ):
        response = api.get(BASE + "requests.xml", params)
        assert response.status_code == 400, params
        root = xml_of(response)
        assert root.tag == "errors" and root.findtext("error/code") == "400"
        assert root.findtext("error/description")
    assert api.get(BASE + "requests.json", {"status": "x"}).json()[0]["code"] == 400


def test_near_and_bbox(api: APIClient) -> None:
    here, there = make_incident(), make_incident(BEN_THANH)
    lon, lat = point_in("26740")
    near = ids(api, lat=lat, long=lon, radius=50)
    assert here.reference in near and there.reference not in near
    box = f"{lon - 0.0005},{lat - 0.0005},{lon + 0.0005},{lat + 0.0005}"
    assert here.reference in ids(api, bbox=box) and there.reference not in ids(api, bbox=box)


def test_pages(api: APIClient) -> None:
    made = [make_incident().reference for _ in range(3)][::-1]
    first = ids(api, page=1, page_size=2, service_request_id=",".join(made))
    second = ids(api, page=2, page_size=2, service_request_id=",".join(made))
    assert first == made[:2] and second == made[2:]


def test_extensions_publish_the_result(api: APIClient) -> None:
    incident = make_incident()
    resolved(incident, note="Đã vá ổ gà.", stars=5)
    photo = IncidentPhoto(incident=incident, kind=PhotoKind.RESOLUTION, width=800, height=600)
    photo.image.name, photo.thumbnail.name = "incidents/2026/03/r.jpg", "incidents/2026/03/t.jpg"
    photo.save()
    body = api.get(f"{BASE}requests/{incident.reference}.json", {"extensions": "true"}).json()
    ext = body[0]["extended_attributes"]
    assert set(ext) == {
        "ward",
        "detailed_status",
        "detailed_status_label",
        "channel",
        "resolved_datetime",
        "duplicate_of",
        "rating",
        "photos",
        "notes",
    }
    assert ext["ward"]["code"] == "26740" and ext["detailed_status"] == "resolved"
    assert ext["rating"] == 5 and ext["channel"] == "mobile"
    assert [n["note"] for n in ext["notes"]] == ["Đã vá ổ gà."]
    assert [(p["kind"], p["url"]) for p in ext["photos"]] == [
        ("resolution", "http://testserver/media/incidents/2026/03/r.jpg")
    ]
    root = xml_of(api.get(f"{BASE}requests/{incident.reference}.xml", {"extensions": "true"}))
    ext_xml = root.find("request/extended_attributes")
    assert ext_xml is not None and ext_xml.findtext("ward/code") == "26740"
    assert ext_xml.findtext("notes/note/note") == "Đã vá ổ gà."
    assert "extended_attributes" not in api.get(f"{BASE}requests.json").json()[0]


@pytest.mark.parametrize("extensions", ["false", "true"])
def test_list_query_budget(api: APIClient, django_assert_num_queries: Any, extensions: str) -> None:
    for _ in range(5):
        resolved(make_incident(), stars=3)
    expected = 3 if extensions == "true" else 2  # rows, photos (+ public history)
    with django_assert_num_queries(expected):
        response = api.get(BASE + "requests.xml", {"extensions": extensions})
    assert len(xml_of(response).findall("request")) >= 5


def test_updates_feed(api: APIClient, django_assert_num_queries: Any) -> None:
    incident = make_incident()
    resolved(incident, note="Xong.")
    hidden = make_incident(is_public=False)
    resolved(hidden)
    with django_assert_num_queries(1):
        root = xml_of(api.get(BASE + "servicerequestupdates.xml"))
    assert root.tag == "service_requests_updates"
    updates = [u for u in root.findall("request_update")]
    mine = [u for u in updates if u.findtext("service_request_id") == incident.reference]
    assert [u.findtext("status") for u in mine] == ["open", "closed"]
    assert children(mine[1])[:6] == [
        "update_id",
        "service_request_id",
        "status",
        "updated_datetime",
        "description",
        "media_url",
    ]
    assert mine[1].findtext("description") == "Xong."
    assert all(u.findtext("service_request_id") != hidden.reference for u in updates)
    assert "nội bộ" not in api.get(BASE + "servicerequestupdates.json").content.decode()
    IncidentEvent.objects.filter(incident=incident).update(
        created_at=F("created_at") - dt.timedelta(days=3)
    )
    recent = api.get(BASE + "servicerequestupdates.json").json()
    assert incident.reference not in {u["service_request_id"] for u in recent}
    since = (timezone.now() - dt.timedelta(days=4)).isoformat()
    older = api.get(BASE + "servicerequestupdates.json", {"start_date": since}).json()
    assert incident.reference in {u["service_request_id"] for u in older}


def test_every_filter_gives_the_same_requests_in_xml_and_json(api: APIClient) -> None:
    a, b = make_incident(category="road-damage"), make_incident(BEN_THANH)
    resolved(b)
    lon, lat = point_in("26740")
    hour_ago = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    for params in (
        {},
        {"service_request_id": f"{a.reference},{b.reference}"},
        {"service_code": "road-damage"},
        {"status": "closed"},
        {"start_date": hour_ago, "end_date": timezone.now().isoformat()},
        {"updated_after": hour_ago},
        {"lat": lat, "long": lon, "radius": 100},
        {"bbox": f"{lon - 0.01},{lat - 0.01},{lon + 0.01},{lat + 0.01}"},
        {"page": 1, "page_size": 1},
        {"extensions": "true"},
    ):
        from_json = ids(api, **params)
        root = xml_of(api.get(BASE + "requests.xml", params))
        assert [r.findtext("service_request_id") for r in root.findall("request")] == from_json
        assert all(children(r)[: len(REQUEST)] == REQUEST for r in root.findall("request"))
