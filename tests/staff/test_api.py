import io
from typing import Any

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from backend.incidents.models import Status
from backend.incidents.services.handling import incident_add_direction, incident_comment
from tests.incidents.factories import BEN_THANH, make_incident, point_in

API = "/api/staff/v1/"


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db
def test_list_shows_own_ward_only_and_supervisor_sees_all(people: dict[str, Any]) -> None:
    mine, theirs = make_incident(), make_incident(BEN_THANH)
    ids = {r["id"] for r in client_for(people["operator"]).get(API + "incidents").data["results"]}
    assert mine.pk in ids and theirs.pk not in ids
    sup = client_for(people["supervisor"]).get(API + "incidents", {"page_size": 200}).data
    assert {mine.pk, theirs.pk} <= {r["id"] for r in sup["results"]}
    assert client_for(people["operator"]).get(f"{API}incidents/{theirs.pk}").status_code == 404


@pytest.mark.django_db
def test_filters(people: dict[str, Any]) -> None:
    a = make_incident(description="Ổ gà lớn trên đường Lê Lợi", category="road-damage")
    b = make_incident(status=Status.RECEIVED)
    c = client_for(people["leader"])

    def ids(**params: Any) -> set[int]:
        return {r["id"] for r in c.get(API + "incidents", params).data["results"]}

    assert ids(status="received") >= {b.pk} and a.pk not in ids(status="received")
    assert a.pk in ids(q="ổ gà") and b.pk not in ids(q="ổ gà")
    assert a.pk in ids(category=str(a.category_id)) and b.pk not in ids(category=a.category_id)
    lon, lat = point_in("26740")
    assert a.pk in ids(bbox=f"{lon - 0.001},{lat - 0.001},{lon + 0.001},{lat + 0.001}")
    assert a.pk not in ids(bbox="106.0,10.0,106.1,10.1")
    assert a.pk not in ids(overdue="true")
    assert c.get(API + "incidents", {"status": "bogus"}).status_code == 400


@pytest.mark.django_db
def test_geojson_csv_xlsx_of_the_current_filter(people: dict[str, Any]) -> None:
    incident = make_incident()
    c = client_for(people["operator"])
    geo = c.get(API + "incidents.geojson").json()
    feature = next(f for f in geo["features"] if f["id"] == incident.pk)
    assert geo["type"] == "FeatureCollection" and feature["geometry"]["type"] == "Point"
    csv_text = c.get(API + "incidents.csv", {"status": "new"}).content.decode("utf-8-sig")
    assert (
        csv_text.splitlines()[0].startswith("reference,status") and incident.reference in csv_text
    )
    xlsx = c.get(API + "incidents.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert incident.reference in [row[0] for row in sheet.iter_rows(values_only=True)]


@pytest.mark.django_db
def test_detail_has_history_photos_directions_and_moves(people: dict[str, Any]) -> None:
    incident = make_incident()
    direction = incident_add_direction(actor=people["leader"], incident=incident, text="Làm ngay")
    incident_comment(actor=people["operator"], incident=incident, text="nội bộ", internal=True)
    body = client_for(people["operator"]).get(f"{API}incidents/{incident.pk}").data
    assert body["directions"][0]["id"] == direction.pk
    assert any(e["is_internal"] and e["note"] == "nội bộ" for e in body["history"])
    assert set(body["allowed_moves"]) == {"received", "rejected", "transferred", "merged"}
    assert body["photos"] == [] and body["version"] == 1


@pytest.mark.django_db
def test_two_staff_same_version_one_wins_other_409_with_current_state(people) -> None:
    incident = make_incident()
    url = f"{API}incidents/{incident.pk}/transition"
    first = client_for(people["operator"]).post(url, {"to": "received", "version": 1})
    second = client_for(people["leader"]).post(
        url, {"to": "rejected", "note": "spam", "version": 1}
    )
    assert first.status_code == 200 and first.data["version"] == 2
    assert second.status_code == 409
    assert second.data["code"] == "conflict"
    assert second.data["details"]["current"]["status"] == "received"


@pytest.mark.django_db
def test_illegal_transition_is_409_with_allowed_moves(people: dict[str, Any]) -> None:
    incident = make_incident()
    response = client_for(people["leader"]).post(
        f"{API}incidents/{incident.pk}/transition", {"to": "closed"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 409
    assert response.data["code"] == "illegal_transition"
    assert "received" in response.data["details"]["allowed"]


@pytest.mark.django_db
def test_transfer_out_of_scope_answers_without_404(people: dict[str, Any]) -> None:
    from backend.units.models import Unit

    incident = make_incident(status=Status.RECEIVED)
    response = client_for(people["operator"]).post(
        f"{API}incidents/{incident.pk}/transfer",
        {"unit": Unit.objects.get(code="so-y-te").pk, "reason": "y tế"},
    )
    assert response.status_code == 200 and response.data["in_scope"] is False


@pytest.mark.django_db
def test_session_login_and_csrf_are_enforced(people: dict[str, Any]) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(people["operator"])
    assert client.get(API + "me").status_code == 200
    incident = make_incident()
    refused = client.post(f"{API}incidents/{incident.pk}/transition", {"to": "received"})
    assert refused.status_code == 403  # no CSRF token


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["incidents", "incidents.geojson", "incidents.csv", "units", "stats/overdue"]
)
@pytest.mark.parametrize("role", ["operator", "supervisor"])
def test_list_query_budget(people, django_assert_max_num_queries, path: str, role: str) -> None:
    for _ in range(6):
        make_incident()
        make_incident(BEN_THANH)
    c = client_for(people[role])
    c.get(API + "me")  # warm caches (geo area cache, session) outside the budget
    user = people[role]
    user.__dict__.pop("_staff_scope", None)
    with django_assert_max_num_queries(3):  # memberships (+ unit tree) + the page
        assert c.get(API + path).status_code == 200


@pytest.mark.django_db
def test_late_rate_and_overdue_selectors(people: dict[str, Any]) -> None:
    import datetime as dt

    from django.utils import timezone

    now = timezone.now()
    make_incident(due_at=now - dt.timedelta(hours=1), status=Status.ASSIGNED)
    make_incident(resolved_at=now, is_late=True, status=Status.RESOLVED)
    make_incident(resolved_at=now, is_late=False, status=Status.RESOLVED)
    c = client_for(people["leader"])
    assert c.get(API + "stats/overdue").data["total"] >= 1
    quarter = f"{timezone.localdate().year}Q{(timezone.localdate().month - 1) // 3 + 1}"
    rows = c.get(API + "stats/late-rate", {"period": quarter}).data["by_unit"]
    assert rows[0]["resolved"] == 2 and rows[0]["late"] == 1 and rows[0]["late_rate"] == 0.5


@pytest.mark.django_db
def test_the_list_does_not_load_ward_boundaries(people: dict[str, Any]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_incident()
    with CaptureQueriesContext(connection) as queries:
        assert client_for(people["operator"]).get(API + "incidents").status_code == 200
    listed = [q["sql"] for q in queries.captured_queries if '"incidents_incident"' in q["sql"]]
    assert listed and not any('"geo_adminarea"."geom"' in sql for sql in listed)


@pytest.mark.django_db
def test_a_list_page_costs_the_same_queries_whatever_its_rows(people: dict[str, Any]) -> None:
    """The list loads only the columns a row shows (ROW_FIELDS): a row reading one more would
    cost a query per row, which this catches."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from backend.accounts.models import User

    assignee = User.objects.create(username="xuly.x", first_name="Xử", last_name="Lý")
    make_incident(assignee=assignee)
    c = client_for(people["supervisor"])
    c.get(API + "incidents")  # the session and scope are loaded once
    with CaptureQueriesContext(connection) as one:
        first = c.get(API + "incidents").data["results"]
    for _ in range(4):
        make_incident(assignee=assignee)
    with CaptureQueriesContext(connection) as five:
        rows = c.get(API + "incidents").data["results"]
    assert len(first) == 1 and len(rows) == 5
    assert len(five.captured_queries) == len(one.captured_queries)
    assert rows[0]["assignee"]["name"] == "Xử Lý" and rows[0]["category"]["code"]
    assert rows[0]["location"]["lon"] and rows[0]["ward"]["name"] and rows[0]["unit"]["name"]
