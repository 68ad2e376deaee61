"""The triage inbox: incomplete reports wait, one operator claims, completion files through the
intake path, rejection tells the reporter why."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, transaction
from procrastinate.contrib.django.models import ProcrastinateJob

from backend.accounts.models import User
from backend.common.errors import Conflict
from backend.contact.models import InboxItem, InboxStatus
from backend.contact.services.inbox import inbox_add, inbox_claim
from backend.contact.tasks import inbox_send_rejection
from backend.incidents.models import Channel, EventKind, Incident
from backend.units.models import Category
from tests.incidents.factories import SAIGON, point_in
from tests.incidents.test_submit_race import in_thread

from .helpers import Gateway, gateway, job_args, operator, signed_in

pytestmark = pytest.mark.django_db
__all__ = ["gateway"]
RESIDENT = "+84908888888"


def waiting_item(**extra: Any) -> InboxItem:
    reporter = User.objects.create_user(RESIDENT, phone=RESIDENT)
    item, _created = inbox_add(
        reporter=reporter,
        channel=Channel.WEB,
        description="Cây đổ chắn đường",
        address="gần chợ",
        **extra,
    )
    return item


def test_a_redelivered_message_is_one_item() -> None:
    item = waiting_item(source_key="msg-1")
    again, created = inbox_add(
        reporter=item.reporter,  # type: ignore[arg-type]
        channel=Channel.WEB,
        description="Cây đổ chắn đường",
        source_key="msg-1",
    )
    assert (again.pk, created) == (item.pk, False)
    assert InboxItem.objects.count() == 1


def test_the_inbox_lists_waiting_items_for_operators_only() -> None:
    item = waiting_item()
    listed = signed_in(operator()).get("/api/contact/v1/inbox").json()["results"]
    handler = signed_in(User.objects.create_user("h", password="pw"))
    assert [row["id"] for row in listed] == [item.pk]
    assert handler.get("/api/contact/v1/inbox").status_code == 403


def test_a_completed_item_is_filed_and_routed_like_an_app_report() -> None:
    item = waiting_item()
    op = operator()
    lon, lat = point_in(SAIGON)
    category = Category.objects.get(code="rubbish")
    client = signed_in(op)
    assert client.post(f"/api/contact/v1/inbox/{item.pk}/claim").status_code == 200
    response = client.post(
        f"/api/contact/v1/inbox/{item.pk}/complete",
        {"category": category.pk, "lat": lat, "lon": lon},
        format="json",
    )
    assert response.status_code == 201, response.json()
    incident = Incident.objects.get(pk=response.json()["report"]["id"])
    assert (incident.channel, incident.ward.code, incident.category_id) == (
        Channel.WEB,
        SAIGON,
        category.pk,
    )
    assert incident.unit is not None and incident.due_at is not None
    assert incident.reporter is not None and incident.reporter.phone == RESIDENT
    first = incident.events.get(kind=EventKind.STATUS)
    assert first.data == {"inbox_item": item.pk, "completed_by": op.pk}
    item.refresh_from_db()
    assert (item.status, item.incident_id) == (InboxStatus.FILED, incident.pk)
    again = client.post(
        f"/api/contact/v1/inbox/{item.pk}/complete",
        {"category": category.pk, "lat": lat, "lon": lon},
        format="json",
    )
    assert again.status_code == 409
    assert Incident.objects.filter(reporter=incident.reporter).count() == 1


def test_rejection_needs_a_reason_which_reaches_the_reporter(gateway: Gateway) -> None:
    item = waiting_item()
    client = signed_in(operator())
    url = f"/api/contact/v1/inbox/{item.pk}/reject"
    assert client.post(url, {"reason": " "}, format="json").status_code == 400
    assert client.post(url, {"reason": "Ngoài địa bàn"}, format="json").status_code == 200
    for args in job_args("inbox_send_rejection"):
        inbox_send_rejection(**args)
        inbox_send_rejection(**args)  # a retried job sends nothing more
    assert [(m["to"], m["text"]) for m in gateway.received] == [
        (RESIDENT, "[1022] Phản ánh của bạn không được tiếp nhận: Ngoài địa bàn")
    ]


def test_a_second_operator_sees_who_claimed_it() -> None:
    item = waiting_item()
    lan, minh = operator("op.lan"), operator("op.minh")
    assert signed_in(lan).post(f"/api/contact/v1/inbox/{item.pk}/claim").status_code == 200
    lost = signed_in(minh).post(f"/api/contact/v1/inbox/{item.pk}/claim")
    assert lost.status_code == 409
    assert lost.json()["details"]["claimed_by"] == "op.lan"
    completing = signed_in(minh).post(
        f"/api/contact/v1/inbox/{item.pk}/reject", {"reason": "x"}, format="json"
    )
    assert completing.status_code == 409
    assert InboxItem.objects.get(pk=item.pk).status == InboxStatus.CLAIMED


@pytest.fixture
def committed() -> Iterator[tuple[InboxItem, User, User]]:
    """An item and two operators committed for real (the claim race needs two connections)."""

    def create() -> tuple[InboxItem, User, User]:
        return waiting_item(), operator("race.a"), operator("race.b")

    item, a, b = in_thread(create)
    yield item, a, b

    def cleanup() -> None:
        ProcrastinateJob.objects.filter(args__item_id=item.pk).delete()
        InboxItem.objects.filter(pk=item.pk).delete()
        User.objects.filter(pk__in=[a.pk, b.pk, item.reporter_id]).delete()

    in_thread(cleanup)


@pytest.mark.django_db(transaction=False)
def test_two_operators_racing_one_wins_and_the_other_is_told(
    committed: tuple[InboxItem, User, User],
) -> None:
    item, a, b = committed
    locked, release = threading.Event(), threading.Event()

    def first() -> str:
        with transaction.atomic():  # claims, then holds the row lock until released
            inbox_claim(item_id=item.pk, operator=a)
            locked.set()
            release.wait(10)
        return "won"

    winner: list[str] = []

    def run_first() -> None:
        try:
            winner.append(first())
        finally:
            connection.close()

    thread = threading.Thread(target=run_first)
    thread.start()
    locked.wait(10)

    def second() -> dict[str, Any]:
        try:
            inbox_claim(item_id=item.pk, operator=b)
        except Conflict as exc:
            return {"code": exc.code, **exc.details}
        return {"code": "won"}

    while_locked = in_thread(second)
    release.set()
    thread.join(10)
    after_commit = in_thread(second)
    assert winner == ["won"]
    assert while_locked["code"] == "inbox_taken"  # skipped the locked row, did not wait
    assert after_commit == {
        "code": "inbox_taken",
        "status": "claimed",
        "claimed_by_id": a.pk,
        "claimed_by": "race.a",
    }


def test_only_a_chat_item_leads_to_a_conversation() -> None:
    """An e-mail's key is its Message-ID, which the sender writes: `conversation:42` from a mail
    must not show (or answer into) resident 42's chat."""
    from backend.contact.serializers import conversation_of

    reporter = User.objects.create_user(RESIDENT, phone=RESIDENT)

    def item(channel: str, key: str) -> InboxItem:
        found, _created = inbox_add(
            reporter=reporter, channel=channel, description="…", source_key=key
        )
        return found

    assert conversation_of(item(Channel.ZALO, "conversation:42")) == 42
    assert conversation_of(item(Channel.SMS, "conversation:7")) == 7
    assert conversation_of(item(Channel.EMAIL, "conversation:42")) is None
    assert conversation_of(item(Channel.MESSENGER, "conversation:²")) is None  # not ASCII
    assert conversation_of(item(Channel.MESSENGER, "conversation:")) is None
