"""The console API: a call taken from the card to its outcome, through the one intake path."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rest_framework.test import APIClient

from backend.accounts.models import User
from backend.contact.models import Contact, InboxItem, InboxStatus, KnowledgeArticle, Outcome
from backend.contact.services.calls import contact_open
from backend.incidents.models import Channel, EventKind, Incident, Status
from backend.incidents.services.changes import incident_change
from backend.notifications.deliveries import RetryLater
from backend.notifications.models import Follow
from backend.notifications.tasks import notify_incident_status_changed
from backend.units.models import Category
from tests.incidents.factories import (
    BEN_THANH,
    SAIGON,
    make_incident,
    make_staff,
    point_in,
    ward_unit,
)

from .helpers import CALLER, Gateway, gateway, job_args, operator, signed_in

pytestmark = pytest.mark.django_db
__all__ = ["gateway"]


def open_call(phone: str = CALLER) -> Contact:
    contact, _created = contact_open(caller_phone=phone, call_id=f"call-{phone}")
    return contact


def report_body(ward: str = SAIGON, **extra: Any) -> dict[str, Any]:
    lon, lat = point_in(ward)
    return {
        "category": Category.objects.get(code="rubbish").pk,
        "description": "Rác ứ đọng đầu hẻm",
        "lat": str(lat),
        "lon": str(lon),
        **extra,
    }


@pytest.mark.parametrize(
    ("role", "expected"),
    [("operator", 200), ("handler", 403), ("leader", 403), ("supervisor", 200)],
)
def test_only_operators_and_the_city_use_the_console(role: str, expected: int) -> None:
    user = make_staff(role, ward_unit(SAIGON) if role != "supervisor" else "vp-ubnd-tp")
    assert signed_in(user).get("/api/contact/v1/calls").status_code == expected


def test_anonymous_and_residents_are_refused(api: APIClient) -> None:
    resident = User.objects.create_user("r1", phone="+84907777777")
    assert api.get("/api/contact/v1/calls").status_code == 403
    assert signed_in(resident).get("/api/contact/v1/calls").status_code == 403


def test_the_card_shows_the_callers_earlier_reports() -> None:
    caller = User.objects.create_user("c1", phone=CALLER)
    earlier = make_incident(reporter=caller)
    make_incident()  # somebody else's
    contact = open_call()
    body = signed_in(operator()).get(f"/api/contact/v1/calls/{contact.pk}").json()
    assert [r["reference"] for r in body["reports"]] == [earlier.reference]
    assert body["reports"][0]["status"] == "new"


def test_a_report_for_the_caller_goes_through_the_intake_path(gateway: Gateway) -> None:
    op = operator()
    contact = open_call()
    response = signed_in(op).post(
        f"/api/contact/v1/calls/{contact.pk}/report", report_body(), format="json"
    )
    assert response.status_code == 201, response.json()
    incident = Incident.objects.get(pk=response.json()["report"]["id"])
    assert incident.channel == Channel.HOTLINE
    assert incident.reporter is not None and incident.reporter.phone == CALLER
    assert incident.ward.code == SAIGON and incident.unit is not None
    first = incident.events.get(kind=EventKind.STATUS)
    assert first.data["taken_by"] == op.pk and first.data["sms_consent"] is True
    contact.refresh_from_db()
    assert (contact.outcome, contact.incident_id, contact.operator_id) == (
        Outcome.REPORT_CREATED,
        incident.pk,
        op.pk,
    )
    # the caller has no app: the status updates reach them by SMS (fallback of the update job)
    for args in job_args("notify_incident_status_changed"):
        notify_incident_status_changed(**args)
    assert [m["to"] for m in gateway.received] == [CALLER]
    assert gateway.received[0]["text"].startswith("[1022] ")


def test_a_retried_report_request_files_one_report() -> None:
    client, contact = signed_in(operator()), open_call()
    first = client.post(f"/api/contact/v1/calls/{contact.pk}/report", report_body(), format="json")
    again = client.post(f"/api/contact/v1/calls/{contact.pk}/report", report_body(), format="json")
    assert first.status_code == 201
    assert again.status_code == 409
    assert Incident.objects.filter(channel=Channel.HOTLINE).count() == 1


def test_a_report_without_a_place_waits_in_the_inbox_and_is_linked_when_filed() -> None:
    contact, op = open_call(), operator()
    body = report_body(address="đầu hẻm gần trường học")
    lon, lat = body.pop("lon"), body.pop("lat")
    client = signed_in(op)
    response = client.post(f"/api/contact/v1/calls/{contact.pk}/report", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["report"] is None
    item = InboxItem.objects.get(pk=response.json()["inbox_item"])
    assert (item.status, item.channel, item.address) == (
        InboxStatus.WAITING,
        Channel.HOTLINE,
        "đầu hẻm gần trường học",
    )
    assert item.reporter is not None and item.reporter.phone == CALLER
    contact.refresh_from_db()
    assert (contact.outcome, contact.inbox_item_id, contact.incident_id) == (
        Outcome.REPORT_CREATED,
        item.pk,
        None,
    )
    assert not Incident.objects.filter(channel=Channel.HOTLINE).exists()
    # a retry of the same request: the call is closed, still one item
    again = client.post(f"/api/contact/v1/calls/{contact.pk}/report", body, format="json")
    assert again.status_code == 409 and InboxItem.objects.count() == 1

    done = client.post(
        f"/api/contact/v1/inbox/{item.pk}/complete",
        {"category": body["category"], "lat": lat, "lon": lon},
        format="json",
    )
    assert done.status_code == 201, done.json()
    contact.refresh_from_db()
    assert contact.incident_id == done.json()["report"]["id"]
    assert Incident.objects.get(contacts=contact).channel == Channel.HOTLINE


def test_a_report_flagged_for_verification_waits_in_the_inbox_with_its_place() -> None:
    contact = open_call()
    body = report_body(verify="người gọi không chắc địa chỉ")
    response = signed_in(operator()).post(
        f"/api/contact/v1/calls/{contact.pk}/report", body, format="json"
    )
    assert response.status_code == 201
    item = InboxItem.objects.get(pk=response.json()["inbox_item"])
    assert item.flag == "người gọi không chắc địa chỉ"
    assert item.location is not None and item.category_id == body["category"]
    assert not Incident.objects.exists()


def test_the_preview_is_what_is_saved() -> None:
    client, contact = signed_in(operator()), open_call()
    body = report_body(BEN_THANH)
    preview = client.get(
        "/api/contact/v1/preview",
        {"lat": body["lat"], "lon": body["lon"], "category": body["category"]},
    ).json()
    saved = client.post(f"/api/contact/v1/calls/{contact.pk}/report", body, format="json").json()
    incident = Incident.objects.get(pk=saved["report"]["id"])
    assert preview["ward"]["id"] == incident.ward_id
    assert preview["unit"]["id"] == incident.unit_id
    assert dt.datetime.fromisoformat(preview["due_at"]) == incident.due_at


def test_the_preview_outside_the_city_is_422() -> None:
    response = signed_in(operator()).get(
        "/api/contact/v1/preview",
        {"lat": "21.0285", "lon": "105.8542", "category": Category.objects.first().pk},  # type: ignore[union-attr]
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "outside_service_area"
    assert response.json()["message"] == "The location is outside the service area."


def test_a_second_operator_sees_who_took_the_call() -> None:
    contact = open_call()
    first, second = operator("op.lan"), operator("op.minh")
    assert signed_in(first).post(f"/api/contact/v1/calls/{contact.pk}/take").status_code == 200
    lost = signed_in(second).post(f"/api/contact/v1/calls/{contact.pk}/take")
    assert lost.status_code == 409
    assert lost.json()["code"] == "contact_taken"
    assert lost.json()["details"] == {"operator_id": first.pk, "operator": "op.lan"}
    closing = signed_in(second).post(
        f"/api/contact/v1/calls/{contact.pk}/close",
        {"outcome": "prank", "reason": "gọi phá"},
        format="json",
    )
    assert closing.status_code == 409
    assert Contact.objects.get(pk=contact.pk).outcome == ""


def test_answer_from_the_knowledge_base_is_an_information_request(gateway: Gateway) -> None:
    article = KnowledgeArticle.objects.create(
        question="Làm giấy khai sinh ở đâu?", answer="Tại UBND phường nơi cư trú.", field="civil"
    )
    contact = open_call()
    response = signed_in(operator()).post(
        f"/api/contact/v1/calls/{contact.pk}/answer",
        {"article": article.pk, "send_sms": True},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["outcome"] == Outcome.INFORMATION_GIVEN
    assert not Incident.objects.exists()
    from backend.contact.tasks import contact_send_answer

    gateway.down = True
    with pytest.raises(Exception, match="503"):
        contact_send_answer(**job_args("contact_send_answer")[0])
    assert Contact.objects.get(pk=contact.pk).answer_sms_sent_at is None
    gateway.down = False
    contact_send_answer(**job_args("contact_send_answer")[0])
    contact_send_answer(**job_args("contact_send_answer")[0])  # a retry sends nothing more
    assert gateway.received == [
        {"to": CALLER, "text": "[1022] Tại UBND phường nơi cư trú.", "sender": "HOTLINE1022"}
    ]


def test_a_caller_calling_back_is_added_to_the_report() -> None:
    incident = make_incident(BEN_THANH)
    contact = open_call()
    op = operator()
    response = signed_in(op).post(
        f"/api/contact/v1/calls/{contact.pk}/add-to-report",
        {"reference": incident.reference, "note": "Rác đã lan ra lòng đường", "follow": True},
        format="json",
    )
    assert response.status_code == 200, response.json()
    note = incident.events.get(kind=EventKind.NOTE)
    assert note.is_internal and note.actor == op and note.data == {"from_caller": True}
    assert Follow.objects.filter(incident=incident, user__phone=CALLER).exists()
    assert Contact.objects.get(pk=contact.pk).outcome == Outcome.ADDED_TO_REPORT


@pytest.mark.parametrize("outcome", ["forwarded", "out_of_scope", "not_reachable", "prank"])
def test_closing_needs_a_reason(outcome: str) -> None:
    client, contact = signed_in(operator()), open_call()
    url = f"/api/contact/v1/calls/{contact.pk}/close"
    assert client.post(url, {"outcome": outcome, "reason": ""}, format="json").status_code == 400
    done = client.post(url, {"outcome": outcome, "reason": "Hỏi về thuế"}, format="json")
    assert done.status_code == 200
    assert Contact.objects.get(pk=contact.pk).outcome == outcome


def test_a_typed_number_opens_a_card_held_by_the_operator() -> None:
    op = operator()
    client = signed_in(op)
    good = client.post("/api/contact/v1/calls", {"caller": "0912 345 678"}, format="json")
    bad = client.post("/api/contact/v1/calls", {"caller": "+33612345678"}, format="json")
    assert good.status_code == 201 and good.json()["operator"] == op.pk
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_phone"


def test_a_staff_status_change_reaches_the_caller_by_sms(gateway: Gateway) -> None:
    contact = open_call()
    saved = signed_in(operator()).post(
        f"/api/contact/v1/calls/{contact.pk}/report", report_body(), format="json"
    )
    incident = Incident.objects.get(pk=saved.json()["report"]["id"])
    incident_change(incident, actor=None, to_status=Status.RECEIVED)
    for args in job_args("notify_incident_status_changed"):
        notify_incident_status_changed(**args)
    assert [m["to"] for m in gateway.received] == [CALLER, CALLER]


def test_a_caller_who_declined_sms_gets_none(gateway: Gateway) -> None:
    contact = open_call()
    saved = signed_in(operator()).post(
        f"/api/contact/v1/calls/{contact.pk}/report",
        report_body(sms_consent=False),
        format="json",
    )
    assert saved.status_code == 201
    for args in job_args("notify_incident_status_changed"):
        notify_incident_status_changed(**args)
    assert gateway.received == []
    assert Contact.objects.get(pk=contact.pk).sms_consent is False


def test_the_card_shows_that_the_caller_was_not_informed_while_the_gateway_is_down(
    gateway: Gateway,
) -> None:
    client, contact = signed_in(operator()), open_call()
    saved = client.post(f"/api/contact/v1/calls/{contact.pk}/report", report_body(), format="json")
    assert saved.status_code == 201  # the report exists whatever the gateway does
    gateway.down = True
    for args in job_args("notify_incident_status_changed"):
        with pytest.raises(RetryLater):
            notify_incident_status_changed(**args)
    card = client.get(f"/api/contact/v1/calls/{contact.pk}").json()
    assert card["reports"][0]["sms_status"] == "pending"
    gateway.down = False
    for args in job_args("notify_incident_status_changed"):
        notify_incident_status_changed(**args)  # the queue's retry
    card = client.get(f"/api/contact/v1/calls/{contact.pk}").json()
    assert card["reports"][0]["sms_status"] == "sent"
    assert [m["to"] for m in gateway.received] == [CALLER]
