"""The operator answering in a conversation (the console's reply box uses this API): who may,
where the answer goes (the chat while its window is open, SMS after, nothing when neither), and
the inbox item that points to its conversation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from backend.accounts.models import ChatIdentity, User
from backend.accounts.sms import SmsMessage
from backend.contact.models import InboxItem
from backend.conversations.models import Conversation, ConversationMessage
from backend.units.models import Role
from tests.contact.helpers import operator, signed_in
from tests.incidents.factories import SAIGON, make_staff, ward_unit

from .conftest import Jobs
from .fakes import FakeZalo
from .helpers import ZaloUser

pytestmark = pytest.mark.django_db
USER = "zu-asks"


def asks_for_an_operator(client: APIClient, jobs: Jobs, user: str = USER) -> Conversation:
    resident = ZaloUser(client, user)
    resident.text("Làm sao để xin giấy phép sửa nhà?")
    jobs.run()
    resident.text("tổng đài")
    jobs.run()
    return Conversation.objects.get(address=user)


def url(conversation: Conversation, replies: bool = False) -> str:
    path = f"/api/conversations/v1/conversations/{conversation.pk}"
    return path + "/replies" if replies else path


def _close_window(user: str = USER) -> None:
    ChatIdentity.objects.filter(external_id=user).update(
        last_inbound_at=timezone.now() - dt.timedelta(days=8)
    )


def test_the_inbox_item_points_to_its_conversation(
    client: APIClient, zalo: FakeZalo, jobs: Jobs
) -> None:
    conversation = asks_for_an_operator(client, jobs)
    staff = signed_in(operator())
    (row,) = staff.get("/api/contact/v1/inbox").json()["results"]
    assert row["conversation"] == conversation.pk
    assert row["id"] == conversation.inbox_item_id
    seen = staff.get(url(conversation)).json()
    assert (seen["reply_via"], seen["reply_blocked"]) == ("zalo", None)


def test_only_operators_read_and_answer(client: APIClient, zalo: FakeZalo, jobs: Jobs) -> None:
    conversation = asks_for_an_operator(client, jobs)
    unit = ward_unit(SAIGON)
    resident = ChatIdentity.objects.get(external_id=USER).user
    for who, expected in [
        (None, (401, 403)),
        (resident, (403,)),
        (make_staff(Role.HANDLER, unit, "chat.xuly"), (403,)),
        (make_staff(Role.LEADER, unit, "chat.lanhdao"), (403,)),
    ]:
        api = signed_in(who) if who is not None else APIClient()
        assert api.get(url(conversation)).status_code in expected
        answer = api.post(url(conversation, True), {"text": "xin chào"}, format="json")
        assert answer.status_code in expected
    assert not ConversationMessage.objects.filter(author__isnull=False).exists()
    supervisor = make_staff(Role.SUPERVISOR, "vp-ubnd-tp", "chat.giamsat")  # the city: allowed
    answer = signed_in(supervisor).post(url(conversation, True), {"text": "Chào"}, format="json")
    assert answer.status_code == 201


def test_a_reply_after_the_window_closed_without_a_phone_is_refused_and_nothing_queued(
    client: APIClient, zalo: FakeZalo, jobs: Jobs
) -> None:
    conversation = asks_for_an_operator(client, jobs)
    _close_window()
    staff = signed_in(operator())
    seen = staff.get(url(conversation)).json()
    assert seen["reply_via"] is None
    assert seen["reply_blocked"].startswith("Không gửi được: người dân đã lâu không nhắn tin")
    before = ConversationMessage.objects.count()
    answer = staff.post(url(conversation, True), {"text": "Bạn còn cần hỗ trợ?"}, format="json")
    assert answer.status_code == 409
    assert answer.json()["code"] == "window_closed"
    assert "Zalo" in answer.json()["message"]
    assert ConversationMessage.objects.count() == before
    english = staff.post(
        url(conversation, True), {"text": "x"}, format="json", headers={"Accept-Language": "en"}
    )
    assert english.status_code == 409
    assert english.json()["message"].startswith("Cannot send: the resident has not written")
    jobs.run()
    assert zalo.texts(USER)[-1] != "Bạn còn cần hỗ trợ?"


def test_with_a_phone_a_closed_window_sends_the_reply_by_sms(
    client: APIClient, zalo: FakeZalo, jobs: Jobs, sms_outbox: list[SmsMessage]
) -> None:
    conversation = asks_for_an_operator(client, jobs)
    User.objects.filter(pk=conversation.user_id).update(phone="+84901112233")
    _close_window()
    staff = signed_in(operator())
    assert staff.get(url(conversation)).json()["reply_via"] == "sms"
    before = len(zalo.sent)
    answer = staff.post(url(conversation, True), {"text": "Mời bạn gọi 1022."}, format="json")
    assert answer.status_code == 201
    jobs.run()
    assert len(zalo.sent) == before
    assert [(m.to, m.text) for m in sms_outbox] == [("+84901112233", "[1022] Mời bạn gọi 1022.")]


def test_an_empty_or_unknown_target_is_a_clear_4xx(
    client: APIClient, zalo: FakeZalo, jobs: Jobs
) -> None:
    conversation = asks_for_an_operator(client, jobs)
    staff = signed_in(operator())
    empty = staff.post(url(conversation, True), {"text": "   "}, format="json")
    assert empty.status_code == 400
    missing = staff.post("/api/conversations/v1/conversations/999999/replies", {"text": "a"})
    assert missing.status_code == 404 and missing.json()["code"] == "conversation_not_found"
    assert InboxItem.objects.count() == 1


def test_a_resent_reply_with_its_key_is_one_message(
    client: APIClient, zalo: FakeZalo, jobs: Jobs
) -> None:
    """The answer to the console was lost (proxy timeout) and the operator sends again: the
    same Idempotency-Key is the same message, sent once; another key is another message."""
    conversation = asks_for_an_operator(client, jobs)
    staff = signed_in(operator())
    before = ConversationMessage.objects.count()

    def send(key: str, text: str = "Đội đã được cử đến.") -> dict:
        answer = staff.post(
            url(conversation, True), {"text": text}, format="json", headers={"Idempotency-Key": key}
        )
        assert answer.status_code == 201, answer.content
        return answer.json()

    first, again = send("draft-1"), send("draft-1")
    assert first == again
    assert ConversationMessage.objects.count() == before + 1
    jobs.run()
    assert zalo.texts(USER).count("Đội đã được cử đến.") == 1
    send("draft-2", "Cảm ơn bạn.")
    assert ConversationMessage.objects.count() == before + 2
    too_long = staff.post(
        url(conversation, True), {"text": "x"}, format="json", headers={"Idempotency-Key": "k" * 65}
    )
    assert too_long.status_code == 400 and too_long.json()["code"] == "invalid_key"
    assert ConversationMessage.objects.count() == before + 2
