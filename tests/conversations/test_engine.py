"""What the dialogue does with questions, missing places, unclear fields, followers and
silence — on Zalo, the channel the other tests drive end to end."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone
from rest_framework.test import APIClient

from backend.accounts.models import ChatIdentity
from backend.common.links import public_report_url
from backend.contact.models import InboxItem, KnowledgeArticle
from backend.contact.services.inbox import REJECTION_TASK, inbox_complete, inbox_reject
from backend.contact.services.replies import rejection_send
from backend.conversations.idle import conversations_close_idle
from backend.conversations.models import Conversation, ConversationState
from backend.incidents.models import Incident, Status
from backend.incidents.services.workflow import incident_transition
from backend.notifications.models import Delivery, Follow
from backend.units.models import Category, Role
from tests.contact.helpers import job_args, operator, signed_in
from tests.incidents.factories import SAIGON, make_incident, make_staff, point_in, ward_unit

from .conftest import Jobs
from .fakes import FakeZalo
from .helpers import ZaloUser, choice_of

pytestmark = pytest.mark.django_db
USER = "zu-7"


def test_a_question_gets_the_knowledge_base_answer_and_an_operator_on_request(
    client: APIClient, zalo: FakeZalo, jobs: Jobs
) -> None:
    KnowledgeArticle.objects.create(
        question="Thủ tục đăng ký khai sinh",
        answer="Mang tờ khai và giấy chứng sinh đến UBND phường nơi cư trú.",
        keywords="giấy khai sinh, làm khai sinh",
    )
    user = ZaloUser(client, USER)
    user.text("thủ tục làm giấy khai sinh?")
    jobs.run()
    (answer,) = zalo.texts(USER)
    assert answer.startswith("Mang tờ khai và giấy chứng sinh")
    assert "«tổng đài»" in answer
    user.text("Tổng đài")
    jobs.run()
    item = InboxItem.objects.get()
    assert item.source_key == f"conversation:{Conversation.objects.get().pk}"
    assert item.flag == "Người dân muốn trao đổi với tổng đài viên"
    assert "thủ tục làm giấy khai sinh?" in item.description  # the whole conversation
    assert "Mang tờ khai" in item.description
    # the operator answers in the conversation, on Zalo
    conversation = Conversation.objects.get()
    assert conversation.state == ConversationState.OPERATOR
    staff = signed_in(operator())
    reply = staff.post(
        f"/api/conversations/v1/conversations/{conversation.pk}/replies",
        {"text": "Bạn cần mang thêm CCCD của cha mẹ."},
        format="json",
    )
    assert reply.status_code == 201
    jobs.run()
    assert zalo.texts(USER)[-1] == "Bạn cần mang thêm CCCD của cha mẹ."
    seen = staff.get(f"/api/conversations/v1/conversations/{conversation.pk}").json()
    assert [m["direction"] for m in seen["messages"]] == ["in", "out", "in", "out", "out"]
    assert seen["messages"][-1]["status"] == "sent"


def test_residents_cannot_read_or_answer_conversations(client: APIClient, zalo: FakeZalo) -> None:
    assert client.get("/api/conversations/v1/conversations/1").status_code in (401, 403)


def test_a_place_that_cannot_be_found_goes_to_the_inbox_with_the_conversation(
    client: APIClient, zalo: FakeZalo, jobs: Jobs
) -> None:
    user = ZaloUser(client, USER)
    for text in ("Vỉa hè bị lấn chiếm", choice_of("encroachment"), "hẻm sau nhà bà Tư", "xong"):
        user.text(text)
        jobs.run()
    assert "Nơi: hẻm sau nhà bà Tư" in zalo.texts(USER)[-1]
    user.text("đồng ý")
    jobs.run()
    assert not Incident.objects.exists()
    item = InboxItem.objects.get()
    assert (item.channel, item.category.code if item.category else None) == ("zalo", "encroachment")
    assert item.address == "hẻm sau nhà bà Tư" and item.flag == "Chưa xác định được vị trí"
    assert "Vỉa hè bị lấn chiếm" in item.description and "1022:" in item.description
    assert zalo.texts(USER)[-1].startswith("Đã nhận phản ánh. Tổng đài viên sẽ kiểm tra")
    assert Conversation.objects.get().closed_reason == "inbox"


def test_an_unclear_field_is_asked_again_then_left_to_the_operator(
    client: APIClient, zalo: FakeZalo, jobs: Jobs
) -> None:
    user = ZaloUser(client, USER)
    user.text("Có chuyện ở đầu hẻm")
    jobs.run()
    user.text("99")
    jobs.run()
    assert zalo.texts(USER)[-1].startswith("Chưa rõ lựa chọn.")
    user.text("không biết")
    jobs.run()
    assert zalo.texts(USER)[-1].startswith("Sự việc ở đâu?")
    assert Conversation.objects.get().data["category"] == ""


def test_an_unfinished_conversation_is_closed_politely(
    client: APIClient, zalo: FakeZalo, jobs: Jobs, settings: object
) -> None:
    ZaloUser(client, USER).text("Đèn đường hỏng")
    jobs.run()
    now = timezone.now()
    assert conversations_close_idle(now=now) == 0
    assert conversations_close_idle(now=now + dt.timedelta(hours=13)) == 1
    jobs.run()
    assert zalo.texts(USER)[-1].startswith("Cuộc trò chuyện đã tạm dừng")
    assert Conversation.objects.get().closed_reason == "idle"


def test_a_follower_without_the_app_hears_on_zalo(
    client: APIClient, zalo: FakeZalo, jobs: Jobs
) -> None:
    ZaloUser(client, USER).text("Xin chào")
    jobs.run()
    follower = ChatIdentity.objects.get(external_id=USER).user
    incident = make_incident()
    jobs.run()  # the report's own first update, before anyone followed it
    Follow.objects.create(incident=incident, user=follower)
    before = len(zalo.sent)
    staff = make_staff(Role.OPERATOR, ward_unit(SAIGON))
    incident_transition(actor=staff, incident=incident, to_status=Status.RECEIVED)
    jobs.run()
    (update,) = zalo.texts(USER)[before:]
    assert "Phản ánh bạn theo dõi đã chuyển sang trạng thái «Đã tiếp nhận»" in update
    assert Delivery.objects.get(recipient=follower, channel="zalo").status == "sent"


def _to_inbox(client: APIClient, jobs: Jobs) -> InboxItem:
    user = ZaloUser(client, USER)
    for text in ("Vỉa hè bị lấn chiếm", choice_of("encroachment"), "hẻm sau nhà bà Tư", "xong"):
        user.text(text)
        jobs.run()
    user.text("đồng ý")
    jobs.run()
    return InboxItem.objects.get()


def test_a_report_completed_from_the_inbox_is_told_on_zalo(
    client: APIClient, zalo: FakeZalo, jobs: Jobs
) -> None:
    item = _to_inbox(client, jobs)
    before = len(zalo.sent)
    incident = inbox_complete(
        item_id=item.pk,
        operator=operator(),
        category=Category.objects.get(code="encroachment"),
        location=Point(*point_in(SAIGON), srid=4326),
    )
    jobs.run()
    (update,) = zalo.texts(USER)[before:]
    assert update.startswith(f"Phản ánh {incident.reference}: Chúng tôi đã nhận phản ánh")
    assert public_report_url(incident.reference) in update


def test_a_rejection_is_told_on_zalo(client: APIClient, zalo: FakeZalo, jobs: Jobs) -> None:
    item = _to_inbox(client, jobs)
    before = len(zalo.sent)
    inbox_reject(item_id=item.pk, operator=operator(), reason="Không thuộc phạm vi thành phố")
    for args in job_args(REJECTION_TASK):
        rejection_send(**args)
    (text,) = zalo.texts(USER)[before:]
    assert text == "Phản ánh của bạn không được tiếp nhận: Không thuộc phạm vi thành phố"
