"""Following a report by its reference from a chat: "theo dõi <số>" / "follow <reference>",
"bỏ theo dõi" / "unfollow", "danh sách theo dõi" / "following" — on Zalo end to end (the fake OA
server), then the follower's status updates on the channel they wrote from; SMS and Messenger
too. Written from the outside: forged and unknown references, repeats, a draft in progress."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from backend.accounts.models import ChatIdentity
from backend.accounts.sms import SmsMessage
from backend.common.links import public_report_url
from backend.contact.models import InboxItem
from backend.conversations.models import Conversation, ConversationState
from backend.incidents.models import Incident, Status
from backend.incidents.services.workflow import incident_transition
from backend.notifications.models import Delivery, Follow
from backend.units.models import Role
from tests.incidents.factories import SAIGON, make_incident, make_staff, point_in, ward_unit

from .conftest import Jobs
from .fakes import FakeMessenger, FakeZalo, zalo_event
from .helpers import ZaloUser, choice_of, zalo_post
from .test_messenger import PSID, message
from .test_messenger import post as messenger_post
from .test_sms_inbound import SECRET
from .test_sms_inbound import post as sms_post

pytestmark = pytest.mark.django_db
USER = "zu-follow"


class Resident(ZaloUser):
    """A Zalo user whose messages are handled as they arrive (jobs run after each)."""

    def __init__(self, client: APIClient, jobs: Jobs, zalo: FakeZalo, user_id: str = USER):
        super().__init__(client, user_id)
        self.jobs, self.zalo = jobs, zalo

    def says(self, text: str) -> str:
        before = len(self.zalo.texts(self.user_id))
        self.text(text)
        self.jobs.run()
        (reply,) = self.zalo.texts(self.user_id)[before:]
        return reply

    @property
    def account(self) -> Any:
        return ChatIdentity.objects.get(channel="zalo", external_id=self.user_id).user


def _move(incident: Incident, status: str) -> None:
    staff = make_staff(Role.OPERATOR, ward_unit(SAIGON))
    note = "Không thuộc thẩm quyền" if status == Status.REJECTED else ""
    incident_transition(actor=staff, incident=incident, to_status=status, note=note)


def test_follow_on_zalo_replies_with_status_and_link_and_updates_follow_there(
    client: APIClient, zalo: FakeZalo, jobs: Jobs
) -> None:
    incident = make_incident()
    jobs.run()  # the report's own first entry
    resident = Resident(client, jobs, zalo)
    reply = resident.says(f"theo dõi {incident.reference}")
    link = public_report_url(incident.reference)
    assert reply == (
        f"Bạn đang theo dõi phản ánh {incident.reference}, trạng thái «Mới». Khi có cập nhật, "
        f"chúng tôi sẽ báo bạn tại đây. Xem: {link}"
    )
    # the account created for this Zalo user follows it — the same Follow the web and app make
    (follow,) = Follow.objects.all()
    assert (follow.user, follow.incident) == (resident.account, incident)
    # a conversation opened only for the command is over: no idle reminder, no draft
    assert Conversation.objects.get().closed_reason == "follow"
    assert not InboxItem.objects.exists() and Incident.objects.count() == 1
    # the status update reaches the follower on Zalo, once
    before, ran = len(zalo.sent), set(jobs.done)
    _move(incident, Status.RECEIVED)
    jobs.run()
    assert zalo.texts(USER)[before:] == [
        f"Phản ánh {incident.reference}: Phản ánh bạn theo dõi đã chuyển sang trạng thái "
        f"«Đã tiếp nhận».\n{link}"
    ]
    rows = Delivery.objects.filter(recipient=resident.account).exclude(channel="push")
    assert [(r.channel, r.status) for r in rows] == [("zalo", "sent")]
    jobs.done = ran
    jobs.run()  # the update's jobs again: nothing twice
    assert len(zalo.sent) == before + 1
    # the next message starts a new dialogue
    assert resident.says("Đèn đường hỏng trước số 5 Lê Lợi").startswith("Sự việc thuộc lĩnh vực")


def test_the_reference_is_found_anywhere_however_it_is_typed(
    client: APIClient, zalo: FakeZalo, jobs: Jobs
) -> None:
    first, second = make_incident(), make_incident()
    year, number = first.reference.split("-")[1:]
    resident = Resident(client, jobs, zalo)
    typed = f"Cho mình THEO DÕI phản ánh số 1022 {year} {int(number)} với ạ"
    assert resident.says(typed).startswith(f"Bạn đang theo dõi phản ánh {first.reference},")
    reply = resident.says(f"Theo Doi: {first.reference}, {second.reference.replace('-', '/')}")
    assert reply.startswith(f"Bạn đã theo dõi phản ánh {first.reference} từ trước")
    assert f"Bạn đang theo dõi phản ánh {second.reference}," in reply
    assert set(Follow.objects.values_list("incident", flat=True)) == {first.pk, second.pk}


def test_following_twice_is_one_follow(client: APIClient, zalo: FakeZalo, jobs: Jobs) -> None:
    incident = make_incident()
    resident = Resident(client, jobs, zalo)
    resident.says(f"theo dõi {incident.reference}")
    again = resident.says(f"theo dõi {incident.reference}")
    assert again.startswith(f"Bạn đã theo dõi phản ánh {incident.reference} từ trước")
    assert Follow.objects.count() == 1
    _move(incident, Status.RECEIVED)
    before = len(zalo.sent)
    jobs.run()
    assert len(zalo.sent) == before + 1  # one update, not one per "theo dõi"


def test_a_reference_alone_gets_its_status_and_the_offer_to_follow(
    client: APIClient, zalo: FakeZalo, jobs: Jobs
) -> None:
    incident = make_incident()
    link = public_report_url(incident.reference)
    resident = Resident(client, jobs, zalo)
    assert resident.says(incident.reference) == (
        f"Phản ánh {incident.reference}: «Mới». Xem: {link}\nGửi «theo dõi {incident.reference}» "
        "để nhận cập nhật tại đây."
    )
    assert not Follow.objects.exists()  # asking is not following
    resident.says(f"theo dõi {incident.reference}")
    assert resident.says(f"Tình trạng phản ánh số {incident.reference}?") == (
        f"Phản ánh {incident.reference} (bạn đang theo dõi): «Mới». Xem: {link}"
    )
    assert resident.says("1022-2026-999999").startswith("Không tìm thấy phản ánh 1022-2026-999999")
    english = Resident(client, jobs, zalo, "zu-english")
    assert english.says(f"status of {incident.reference}").startswith(
        f"Report {incident.reference}: “New”. See: {link}\nSend “follow {incident.reference}”"
    )
    # a sentence around a reference is a description
    assert english.says(f"The drain near {incident.reference} is blocked again").startswith(
        "Which field"
    )
    assert Follow.objects.count() == 1


def test_a_redelivered_follow_event_is_one_follow_and_one_reply(
    client: APIClient, zalo: FakeZalo, jobs: Jobs
) -> None:
    incident = make_incident()
    event = zalo_event("user_send_text", USER, "zalo-msg-1", text=f"theo dõi {incident.reference}")
    for _ in range(3):  # Zalo retries when it thinks we did not answer
        assert zalo_post(client, event).status_code == 200
    jobs.run()
    assert len(zalo.texts(USER)) == 1
    assert Follow.objects.count() == 1


@pytest.mark.parametrize(
    ("written", "answer"),
    [
        ("theo dõi 1022-2026-999999", "Không tìm thấy phản ánh 1022-2026-999999 trong"),
        ("theo dõi 1022-1999-1", "Không tìm thấy phản ánh 1022-1999-000001 trong"),
        ("theo dõi PA-2026-000001", "Số phản ánh không hợp lệ"),  # not a reference of ours
        ("theo dõi số 12345", "Số phản ánh không hợp lệ"),
        ("follow ABC-1", "The report number is not valid"),
        ("theo dõi", "Để theo dõi một phản ánh, gửi «theo dõi» kèm số phản ánh"),
    ],
)
def test_unknown_or_forged_references_get_a_clear_reply_and_nothing_is_stored(
    client: APIClient, zalo: FakeZalo, jobs: Jobs, written: str, answer: str
) -> None:
    make_incident()
    reply = Resident(client, jobs, zalo).says(written)
    assert reply.startswith(answer), reply
    assert not Follow.objects.exists()
    assert not InboxItem.objects.exists() and Incident.objects.count() == 1


def test_an_unpublished_report_reads_as_unknown(
    client: APIClient, zalo: FakeZalo, jobs: Jobs
) -> None:
    rejected = make_incident(status=Status.REJECTED)
    private = make_incident(is_public=False)
    resident = Resident(client, jobs, zalo)
    for incident in (rejected, private):
        assert resident.says(f"theo dõi {incident.reference}") == (
            f"Không tìm thấy phản ánh {incident.reference} trong các phản ánh công khai. Hãy "
            "kiểm tra lại số phản ánh."
        )
    assert not Follow.objects.exists()


def test_unfollow_stops_the_updates_and_unfollowing_twice_says_so(
    client: APIClient, zalo: FakeZalo, jobs: Jobs
) -> None:
    incident, other = make_incident(), make_incident()
    jobs.run()
    resident = Resident(client, jobs, zalo)
    assert resident.says(f"bỏ theo dõi {other.reference}") == (
        f"Bạn không theo dõi phản ánh {other.reference}."
    )
    assert resident.says("bỏ theo dõi 1022-2026-999999") == (
        "Bạn không theo dõi phản ánh 1022-2026-999999."
    )
    resident.says(f"theo dõi {incident.reference}")
    assert resident.says(f"Hủy theo dõi {incident.reference}") == (
        f"Đã bỏ theo dõi phản ánh {incident.reference}. Bạn sẽ không nhận cập nhật của nó nữa."
    )
    assert not Follow.objects.exists()
    assert resident.says(f"ngừng theo dõi {incident.reference}").startswith("Bạn không theo dõi")
    before = len(zalo.sent)
    _move(incident, Status.RECEIVED)
    jobs.run()
    assert len(zalo.sent) == before
    assert not Delivery.objects.filter(recipient=resident.account).exists()


def test_the_list_of_follows_with_statuses(client: APIClient, zalo: FakeZalo, jobs: Jobs) -> None:
    resident = Resident(client, jobs, zalo)
    assert resident.says("danh sách theo dõi").startswith("Bạn chưa theo dõi phản ánh nào.")
    first, second = make_incident(), make_incident()
    resident.says(f"theo dõi {first.reference}")
    resident.says(f"theo dõi {second.reference}")
    _move(first, Status.RECEIVED)
    _move(second, Status.REJECTED)  # hidden since it was followed
    jobs.run()  # their updates, sent to the follower on Zalo
    listed = resident.says("Danh sách theo dõi")
    assert listed == "\n".join(
        [
            "Phản ánh bạn đang theo dõi:",
            f"- {second.reference}: không còn công khai",
            f"- {first.reference}: Đã tiếp nhận — {public_report_url(first.reference)}",
        ]
    )
    # a report no longer public can still be unfollowed
    resident.says(f"bỏ theo dõi {second.reference}")
    assert list(Follow.objects.values_list("incident", flat=True)) == [first.pk]


def test_english_commands_get_english_replies_and_english_updates(
    client: APIClient, zalo: FakeZalo, jobs: Jobs
) -> None:
    incident = make_incident()
    jobs.run()
    resident = Resident(client, jobs, zalo)
    link = public_report_url(incident.reference)
    followed = resident.says(f"Follow {incident.reference}")
    assert followed.startswith(f"You are following report {incident.reference}, now “New”.")
    assert link in followed
    listed = resident.says("following")
    assert listed.startswith("Reports you follow:") and incident.reference in listed
    assert "In progress" not in listed and "New" in listed
    before = len(zalo.sent)
    _move(incident, Status.RECEIVED)
    jobs.run()
    assert zalo.texts(USER)[before:] == [
        f"Report {incident.reference}: A report you follow is now “Received”.\n{link}"
    ]
    assert resident.says(f"unfollow {incident.reference}").startswith("You no longer follow")
    assert resident.says("follow").startswith("To follow a report, send “follow”")
    assert not Follow.objects.exists()


def test_a_command_in_the_middle_of_a_report_keeps_the_draft(
    client: APIClient, zalo: FakeZalo, jobs: Jobs
) -> None:
    incident = make_incident()
    resident = Resident(client, jobs, zalo)
    resident.says("Cây đổ chắn ngang hẻm 42")
    resident.says(choice_of("trees"))
    conversation = Conversation.objects.get(closed_at__isnull=True)
    assert conversation.state == ConversationState.LOCATION
    reply = resident.says(f"theo dõi {incident.reference}")
    assert reply.startswith(f"Bạn đang theo dõi phản ánh {incident.reference},")
    assert reply.endswith(
        "Phản ánh bạn đang soạn vẫn được giữ: hãy trả lời câu hỏi trước đó để tiếp tục, hoặc "
        "«hủy» để bỏ."
    )
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.LOCATION and conversation.closed_at is None
    assert conversation.data["description"] == "Cây đổ chắn ngang hẻm 42"
    # the dialogue goes on where it was, and files the report as drafted
    resident.location(*point_in(SAIGON))
    jobs.run()
    resident.says("xong")
    resident.says("đồng ý")
    filed = Incident.objects.exclude(pk=incident.pk).get()
    assert filed.description == "Cây đổ chắn ngang hẻm 42"
    assert Follow.objects.get().incident == incident


def test_a_description_that_merely_mentions_following_is_a_description(
    client: APIClient, zalo: FakeZalo, jobs: Jobs
) -> None:
    incident = make_incident()
    resident = Resident(client, jobs, zalo)
    long_text = (
        f"Tôi đã gửi phản ánh {incident.reference} từ tháng trước về việc rác thải ở đầu hẻm "
        "nhưng đến nay vẫn chưa có ai theo dõi xử lý, rác vẫn đổ đầy vỉa hè mỗi tối và bốc mùi"
    )
    assert resident.says(long_text).startswith("Sự việc thuộc lĩnh vực")
    other = Resident(client, jobs, zalo, "zu-other")
    assert other.says("theo dõi thấy cây xanh bị đổ trên đường Nguyễn Huệ").startswith(
        "Sự việc thuộc lĩnh vực"
    )
    assert other.says("hủy").startswith("Đã hủy.")
    assert other.says("theo dõi hẻm 5 bị ngập").startswith("Sự việc thuộc lĩnh vực")
    assert not Follow.objects.exists()


def test_a_chat_follower_whose_window_closed_and_without_phone_gets_nothing(
    client: APIClient, zalo: FakeZalo, jobs: Jobs, sms_outbox: list[SmsMessage]
) -> None:
    incident = make_incident()
    jobs.run()
    resident = Resident(client, jobs, zalo)
    resident.says(f"theo dõi {incident.reference}")
    ChatIdentity.objects.filter(external_id=USER).update(
        last_inbound_at=timezone.now() - dt.timedelta(days=8)
    )
    before = len(zalo.sent)
    _move(incident, Status.RECEIVED)
    jobs.run()
    # Zalo allows no free message after 7 days of silence, and there is no phone for an SMS
    assert len(zalo.sent) == before and not sms_outbox
    assert not Delivery.objects.filter(recipient=resident.account).exclude(channel="push")


def test_follow_by_sms_and_the_updates_by_sms(
    client: APIClient, jobs: Jobs, sms_outbox: list[SmsMessage], settings: Any
) -> None:
    settings.SMS_INBOUND_SECRET = SECRET
    incident = make_incident()
    jobs.run()
    text = f"theo doi {incident.reference}"
    sms_post(client, {"message_id": "gw-f1", "from": "0907654321", "text": text})
    jobs.run()
    (reply,) = sms_outbox
    assert reply.to == "+84907654321"
    assert reply.text.startswith(f"[1022] Bạn đang theo dõi phản ánh {incident.reference},")
    follower = Follow.objects.get().user
    assert follower.phone == "+84907654321"
    _move(incident, Status.RECEIVED)
    jobs.run()
    assert [m.to for m in sms_outbox] == ["+84907654321"] * 2
    assert "Phản ánh bạn theo dõi đã chuyển sang trạng thái «Đã tiếp nhận»" in sms_outbox[1].text


def test_follow_on_messenger(client: APIClient, messenger: FakeMessenger, jobs: Jobs) -> None:
    incident = make_incident()
    jobs.run()
    messenger_post(client, message(text=f"theo dõi {incident.reference}"))
    jobs.run()
    (reply,) = messenger.texts(PSID)
    assert reply.startswith(f"Bạn đang theo dõi phản ánh {incident.reference},")
    identity = ChatIdentity.objects.get(channel="messenger", external_id=PSID)
    assert Follow.objects.get().user == identity.user
    _move(incident, Status.RECEIVED)
    jobs.run()
    assert "Phản ánh bạn theo dõi" in messenger.texts(PSID)[-1]
    assert len(messenger.texts(PSID)) == 2
