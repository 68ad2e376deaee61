"""The portal's pages: home with the public map and filters, a report's page (public fields,
public timeline, photos, answer, rating, interest), look-up by reference."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from backend.common.links import public_report_path
from backend.incidents.models import EventKind, IncidentEvent, Rating, Status
from backend.notifications.services import report_follow
from tests.incidents.factories import make_incident, make_user

pytestmark = pytest.mark.django_db


def test_home_is_the_public_map_in_vietnamese(client: Client) -> None:
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="vi">' in html and 'id="map"' in html
    assert 'name="field"' in html and 'name="ward"' in html and 'name="period"' in html
    assert 'href="/phan-anh-moi/"' in html and 'href="/cua-toi/"' in html
    assert 'href="/cong-khai/thong-ke"' in html
    assert 'src="http' not in html and 'href="http' not in html  # nothing from a CDN


def test_home_in_english_after_switching(client: Client) -> None:
    client.cookies["django_language"] = "en"
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html and "New report" in html and "My reports" in html


def test_a_report_page_shows_the_public_story() -> None:
    incident = make_incident(status=Status.IN_PROGRESS, description="Ổ gà lớn, gọi 0901234567")
    IncidentEvent.objects.create(
        incident=incident, kind=EventKind.NOTE, note="Ghi chú nội bộ bí mật", is_internal=True
    )
    IncidentEvent.objects.create(
        incident=incident, kind=EventKind.COMMENT, note="Đã cử đội vá đường", is_internal=False
    )
    report_follow(user=make_user(phone="+84907777777"), incident=incident)
    page = Client().get(public_report_path(incident.reference))
    html = page.content.decode()
    assert page.status_code == 200
    assert incident.reference in html and "Đang xử lý" in html
    assert incident.ward.name in html and "Đã cử đội vá đường" in html
    assert "Ghi chú nội bộ bí mật" not in html
    assert "0901234567" not in html and "[số điện thoại]" in html  # masked as published
    assert "2 người quan tâm" in html  # one follower + the reporter


def test_rating_and_resolution_show_on_the_page() -> None:
    incident = make_incident(status=Status.RESOLVED)
    Rating.objects.create(incident=incident, stars=4)
    html = Client().get(public_report_path(incident.reference)).content.decode()
    assert "4/5" in html and "Đã xử lý" in html


@pytest.mark.parametrize("status", [Status.REJECTED, Status.CANCELLED])
def test_rejected_and_cancelled_reports_have_no_page(status: str) -> None:
    incident = make_incident(status=status)
    assert Client().get(public_report_path(incident.reference)).status_code == 404
    assert Client().get(f"/api/public/v1/reports/{incident.reference}").status_code == 404


def test_hidden_reports_have_no_page() -> None:
    incident = make_incident(is_public=False)
    assert Client().get(public_report_path(incident.reference)).status_code == 404


def test_a_merged_report_leads_to_the_one_it_joined() -> None:
    master = make_incident()
    duplicate = make_incident(status=Status.MERGED, merged_into=master)
    response = Client().get(public_report_path(duplicate.reference))
    assert response.status_code == 301
    assert response["Location"] == public_report_path(master.reference)


def test_lookup_by_reference(client: Client) -> None:
    incident = make_incident()
    found = client.get("/tra-cuu/", {"ma": f" {incident.reference.lower()} "})
    assert found.status_code == 302 and found["Location"] == public_report_path(incident.reference)
    missing = client.get("/tra-cuu/", {"ma": "1022-2026-999999"})
    assert missing.status_code == 404 and "1022-2026-999999" in missing.content.decode()
    body = client.get(f"/api/public/v1/reports/{incident.reference}").json()
    assert body["reference"] == incident.reference and body["status"] == "new"
    assert body["public_url"] == public_report_path(incident.reference)
    bad = client.get("/api/public/v1/reports/x%20y;z")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_reference"


def test_my_reports_need_a_signed_in_resident(client: Client, db: Any) -> None:
    response = client.get("/cua-toi/")
    assert response.status_code == 302 and response["Location"].startswith("/dang-nhap/")
