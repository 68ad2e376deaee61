"""POST/GET /api/mobile/v1/reports: the phone's view of submitting and following reports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from backend.accounts.models import User
from backend.incidents.models import EventKind, Incident, IncidentEvent, Status
from tests.mobile_api.fixtures import client_for, make_resident, stored_files
from tests.mobile_api.images import (
    SAIGON,
    exif_with,
    heic_bytes,
    jpeg_bytes,
    png_bomb_bytes,
    upload,
)

pytestmark = pytest.mark.django_db
URL = "/api/mobile/v1/reports"


def post(app: APIClient, key: str = "key-1", lang: str = "vi", **fields: Any) -> Any:
    data: dict[str, Any] = {
        "category": "road-damage",
        "description": "Ổ gà lớn giữa đường",
        "lat": str(SAIGON[1]),
        "lon": str(SAIGON[0]),
        "photos": [upload(jpeg_bytes(exif=exif_with()))],
    }
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}
    return app.post(
        URL, data, format="multipart", HTTP_IDEMPOTENCY_KEY=key, HTTP_ACCEPT_LANGUAGE=lang
    )


def test_submit_answers_reference_ward_unit_status_deadline(app: APIClient, media: Path) -> None:
    response = post(app)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["reference"].startswith("1022-")
    assert body["ward"]["code"] == "26740"
    assert body["status"] == "new" and body["status_label"] == "Mới"
    assert set(body) >= {"id", "reference", "ward", "unit", "status", "deadline"}
    stored = stored_files(media)
    assert len(stored) == 2
    for path in stored:  # read the stored copies back: no EXIF, no GPS
        with Image.open(path) as im:
            assert not im.getexif() and "exif" not in im.info
        assert b"Exif" not in path.read_bytes()


def test_submit_within_a_query_budget(app: APIClient, media: Path) -> None:
    post(app, key="warm-up")  # first-use work (locate's cache) is not per report
    with CaptureQueriesContext(connection) as queries:
        response = post(app, key="budget")
    assert response.status_code == 201, response.json()
    # The year's reference sequence, created once per process and year, is not counted.
    sqls = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("CREATE SEQ")]
    # One savepoint: incident_submit's own transaction (its BEGIN in production; here the test's
    # transaction is outside it). incident_file and incident_change open none of their own.
    savepoints = [sql for sql in sqls if "SAVEPOINT" in sql]
    assert len(savepoints) == 2, savepoints  # SAVEPOINT, RELEASE SAVEPOINT
    sqls = [sql for sql in sqls if "SAVEPOINT" not in sql]
    # 4 reads before the transaction: token (user joined), category, idempotency key, unit with
    # its deadline's policy and days; then reference number, incident (its trigger counts it on
    # the map), photos, history entry, job. (The ward comes from locate, which binds outside
    # Django's cursors; the throttle counters live in the tests' local-memory cache.)
    assert len(sqls) == 9, "\n".join(sqls)
    assert sqls[0].startswith("SELECT") and '"accounts_authtoken" t JOIN "accounts_user"' in sqls[0]


def test_unknown_or_inactive_category_is_refused_as_before(app: APIClient) -> None:
    """The category comes from one prepared statement (units.selectors.active_category); the
    answer is DRF's SlugRelatedField's: `does_not_exist` with its message."""
    from backend.units.models import Category

    for code in ("no-such-thing", "road-damage"):
        if code == "road-damage":
            Category.objects.filter(code=code).update(is_active=False)
        response = post(app, key=f"cat-{code}", category=code, lang="en")
        assert response.status_code == 400, response.json()
        body = response.json()
        assert body["code"] == "invalid"
        assert body["details"]["category"] == [f"Object with code={code} does not exist."]


def test_retry_with_the_same_key_returns_the_first_report(app: APIClient) -> None:
    first = post(app, key="same")
    again = post(app, key="same")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Incident.objects.count() == 1


@pytest.mark.parametrize(
    "changed",
    [
        {"description": "Một nội dung khác"},
        {"category": "flooding"},
        {"lat": str(SAIGON[1] + 0.001)},
        {"photos": [upload(jpeg_bytes(exif=exif_with(), size=(90, 60)))]},
    ],
)
def test_the_same_key_with_another_request_is_refused(
    app: APIClient, media: Path, changed: dict[str, Any]
) -> None:
    first = post(app, key="same")
    stored = stored_files(media)
    again = post(app, key="same", lang="en", **changed)
    assert (again.status_code, again.json()["code"]) == (422, "idempotency_key_reused")
    assert "Idempotency-Key" in again.json()["message"]
    assert again.json()["details"]["reference"] == first.json()["reference"]
    assert Incident.objects.count() == 1 and stored_files(media) == stored


def test_the_same_key_from_another_user_is_another_report(app: APIClient) -> None:
    other = client_for(make_resident("+84912345678"))
    assert post(app, key="k").json()["id"] != post(other, key="k").json()["id"]


def test_key_is_required(app: APIClient) -> None:
    response = post(app, key="")
    assert (response.status_code, response.json()["code"]) == (400, "idempotency_key_required")


def test_photo_without_gps_and_no_coordinates_is_400(app: APIClient) -> None:
    photo = upload(jpeg_bytes(exif=exif_with(gps=None)))
    response = post(app, lat=None, lon=None, photos=[photo], lang="en")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "location_required"
    assert body["message"].startswith("A location is needed")
    assert set(body["details"]) == {"lat", "lon"}


def test_heic_with_gps_locates_the_report(app: APIClient) -> None:
    photo = upload(heic_bytes(exif=exif_with(gps=SAIGON)), "IMG_0001.HEIC", "image/heic")
    response = post(app, lat=None, lon=None, photos=[photo])
    assert response.status_code == 201, response.json()
    assert response.json()["location_source"] == "photo"


@pytest.mark.parametrize(
    ("photo", "code"),
    [
        (upload(png_bomb_bytes(), "bomb.png", "image/png"), "photo_too_many_pixels"),
        (upload(jpeg_bytes()[:2000]), "photo_corrupt"),
        (upload(b"not an image at all\n" * 10, "renamed.jpg"), "photo_unsupported"),
        (upload(b"", "empty.jpg"), "photo_empty"),
    ],
)
def test_bad_photos_are_rejected_with_a_code_and_nothing_stored(
    app: APIClient, media: Path, photo: Any, code: str
) -> None:
    good = upload(jpeg_bytes(exif=exif_with()))
    response = post(app, photos=[good, photo])
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code and "1" in body["details"]["photos"]
    assert not Incident.objects.exists() and stored_files(media) == []


def test_outside_the_service_area_is_422(app: APIClient, media: Path) -> None:
    response = post(app, lat="10.1", lon="107.3", lang="en")
    assert response.status_code == 422
    assert response.json() == {
        "code": "outside_service_area",
        "message": "The location is outside the service area.",
        "details": {"lat": 10.1, "lon": 107.3},
    }
    assert not Incident.objects.exists() and stored_files(media) == []


def test_field_errors_are_per_field(app: APIClient) -> None:
    response = post(app, description="x" * 4001, category="no-such")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert {"description", "category"} == set(body["details"])


def test_at_least_one_photo(app: APIClient) -> None:
    response = post(app, photos=[], lang="en")
    assert response.status_code == 400
    assert response.json()["details"] == {"photos": ["At least one photo is required."]}


def test_too_many_photos(app: APIClient) -> None:
    photos = [upload(jpeg_bytes(size=(64, 48))) for _ in range(6)]
    response = post(app, photos=photos)
    assert response.status_code == 400 and "photos" in response.json()["details"]


def test_sign_in_is_required(api: APIClient) -> None:
    response = post(api)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_submissions_are_throttled(app: APIClient, settings: Any) -> None:
    settings.MOBILE_THROTTLE_RATES = {**settings.MOBILE_THROTTLE_RATES, "submit": "2/hour"}
    assert [post(app, key=f"t{i}").status_code for i in range(3)] == [201, 201, 429]
    assert post(app, key="t9").json()["code"] == "throttled"


def test_the_submit_throttles_read_and_write_their_counters_together(
    app: APIClient, resident: User, settings: Any
) -> None:
    """On the shared PostgreSQL cache both throttles of a submit cost one read and one write,
    with DRF's decisions: a report refused by one throttle is still counted by the other."""
    settings.CACHES = {
        "default": {"BACKEND": "backend.common.cache.PostgresCache", "LOCATION": "hotline_cache"}
    }
    settings.MOBILE_THROTTLE_RATES = {
        **settings.MOBILE_THROTTLE_RATES,
        "submit": "2/hour",
        "default": "100/minute",
    }
    statuses = []
    for i in range(3):
        with CaptureQueriesContext(connection) as queries:
            statuses.append(post(app, key=f"s{i}").status_code)
        counters = [q["sql"] for q in queries.captured_queries if "hotline_cache" in q["sql"]]
        assert len(counters) == 2, counters
        assert counters[0].startswith("SELECT") and counters[1].startswith("INSERT")
    assert statuses == [201, 201, 429]
    from django.core.cache import cache

    assert len(cache.get(f"throttle_default_u{resident.pk}")) == 3
    assert len(cache.get(f"throttle_submit_u{resident.pk}")) == 2


# ---- my reports ----------------------------------------------------------------------------


def test_my_reports_newest_first_paginated_within_a_query_budget(
    app: APIClient, resident: User, django_assert_num_queries: Any
) -> None:
    ids = [post(app, key=f"list-{i}").json()["id"] for i in range(3)]
    post(client_for(make_resident("+84987654321")), key="other")
    with django_assert_num_queries(4):  # token, count, page, photos
        response = app.get(URL, {"page_size": 2})
    body = response.json()
    assert body["count"] == 3
    assert [r["id"] for r in body["results"]] == ids[::-1][:2]
    assert body["results"][0]["thumbnail_url"].startswith("http://testserver/media/")
    assert body["next"]


def test_report_detail_has_timeline_photos_responses(app: APIClient, resident: User) -> None:
    report_id = post(app).json()["id"]
    IncidentEvent.objects.create(
        incident_id=report_id, kind=EventKind.COMMENT, note="Đã cử người kiểm tra"
    )
    IncidentEvent.objects.create(
        incident_id=report_id, kind=EventKind.NOTE, note="nội bộ", is_internal=True
    )
    response = app.get(f"{URL}/{report_id}")
    assert response.status_code == 200
    body = response.json()
    assert [e["to_status"] for e in body["timeline"] if e["kind"] == "status"] == ["new"]
    assert body["responses"][0]["text"] == "Đã cử người kiểm tra"
    assert all(e["note"] != "nội bộ" for e in body["timeline"])
    assert len(body["photos"]) == 1 and body["resolution_photos"] == []
    assert body["can_cancel"] is True and body["rating"] is None


def test_someone_elses_report_is_404(app: APIClient) -> None:
    report_id = post(client_for(make_resident("+84987654321"))).json()["id"]
    response = app.get(f"{URL}/{report_id}")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


# ---- cancel and rating ---------------------------------------------------------------------


def test_cancel_while_new_then_not_again(app: APIClient) -> None:
    report_id = post(app).json()["id"]
    response = app.post(f"{URL}/{report_id}/cancel", {"reason": "gửi nhầm"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    again = app.post(f"{URL}/{report_id}/cancel", {}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "not_cancellable")


def resolve(report_id: int, days_ago: int = 1) -> None:
    when = timezone.now() - dt.timedelta(days=days_ago)
    Incident.objects.filter(pk=report_id).update(status=Status.RESOLVED, resolved_at=when)


def test_rating_only_once_resolved(app: APIClient) -> None:
    report_id = post(app).json()["id"]
    early = app.post(f"{URL}/{report_id}/rating", {"stars": 5}, format="json")
    assert (early.status_code, early.json()["code"]) == (409, "not_rateable")
    resolve(report_id)
    response = app.post(f"{URL}/{report_id}/rating", {"stars": 5, "comment": "Tốt"}, format="json")
    assert response.status_code == 201 and response.json()["reopened"] is False
    twice = app.post(f"{URL}/{report_id}/rating", {"stars": 4}, format="json")
    assert twice.json()["code"] == "already_rated"
    assert app.get(f"{URL}/{report_id}").json()["rating"]["stars"] == 5


def test_low_rating_within_seven_days_reopens(app: APIClient) -> None:
    report_id = post(app).json()["id"]
    resolve(report_id, days_ago=2)
    response = app.post(f"{URL}/{report_id}/rating", {"stars": 1}, format="json")
    assert response.json()["reopened"] is True
    assert Incident.objects.get(pk=report_id).status == Status.REOPENED


def test_low_rating_after_seven_days_does_not_reopen(app: APIClient) -> None:
    report_id = post(app).json()["id"]
    resolve(report_id, days_ago=8)
    response = app.post(f"{URL}/{report_id}/rating", {"stars": 1}, format="json")
    assert response.json()["reopened"] is False
    assert Incident.objects.get(pk=report_id).status == Status.RESOLVED


def test_rating_validates_stars(app: APIClient) -> None:
    report_id = post(app).json()["id"]
    response = app.post(f"{URL}/{report_id}/rating", {"stars": 6}, format="json")
    assert response.status_code == 400 and "stars" in response.json()["details"]


def test_categories(api: APIClient) -> None:
    body = api.get("/api/mobile/v1/categories").json()
    assert {"code", "name", "name_en", "icon", "field"} == set(body[0])
    assert any(c["code"] == "road-damage" for c in body)


def test_a_nul_character_in_the_category_is_a_field_error(app: APIClient) -> None:
    response = post(app, category="road\x00damage")
    assert response.status_code == 400 and "category" in response.json()["details"]
