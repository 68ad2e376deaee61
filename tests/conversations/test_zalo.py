"""Zalo OA end to end: signed events in, the dialogue, a report filed through the intake
service, replies and status updates out through the fake OA API (SMS when the window closed)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob
from rest_framework.test import APIClient

from backend.accounts.models import ChatIdentity
from backend.accounts.sms import SmsMessage
from backend.common.links import public_report_url
from backend.conversations.models import (
    Conversation,
    ConversationMessage,
    ConversationState,
    InboundEvent,
)
from backend.conversations.services import HANDLE_TASK
from backend.incidents.models import Channel, Incident, LocationSource, Status
from backend.incidents.services.workflow import incident_transition
from backend.notifications.models import Delivery, DeliveryStatus, ZaloToken
from backend.units.models import Role
from tests.incidents.factories import SAIGON, make_staff, point_in, ward_unit
from tests.mobile_api.images import SAIGON as PHOTO_SPOT
from tests.mobile_api.images import exif_with, jpeg_bytes

from .conftest import Jobs
from .fakes import FakeZalo, jpeg, zalo_event
from .helpers import ZaloUser, choice_of, zalo_post

pytestmark = pytest.mark.django_db
USER = "zu-100"


def file_report(client: APIClient, zalo: FakeZalo, jobs: Jobs) -> Incident:
    user = ZaloUser(client, USER)
    user.text("Rác tồn đọng trước chợ, bốc mùi")
    jobs.run()
    user.text(choice_of("rubbish"))
    jobs.run()
    user.location(*point_in(SAIGON))
    jobs.run()
    user.image(zalo.image_url("a.jpg", jpeg()))
    jobs.run()
    user.text("xong")
    jobs.run()
    user.text("Đồng ý")
    jobs.run()
    return Incident.objects.get(channel=Channel.ZALO)


def test_a_dialogue_files_a_report_and_replies_on_zalo(
    client: APIClient, zalo: FakeZalo, jobs: Jobs
) -> None:
    incident = file_report(client, zalo, jobs)
    identity = ChatIdentity.objects.get(channel="zalo", external_id=USER)
    assert incident.reporter_id == identity.user_id
    assert incident.category.code == "rubbish"
    assert incident.description == "Rác tồn đọng trước chợ, bốc mùi"
    assert incident.location_source == LocationSource.DEVICE
    assert incident.photos.count() == 1
    texts = zalo.texts(USER)
    assert "lĩnh vực" in texts[0] and f"{choice_of('rubbish')}. " in texts[0]
    assert "ở đâu" in texts[1]
    assert "ảnh" in texts[2]
    assert "Đã nhận 1 ảnh" in texts[3]
    assert "Xin xác nhận" in texts[4] and "Rác tồn đọng trước chợ" in texts[4]
    assert texts[5] == (
        f"Đã nhận phản ánh {incident.reference}. Chúng tôi sẽ báo kết quả xử lý tại đây. "
        f"Theo dõi: {public_report_url(incident.reference)}"
    )
    assert len(texts) == 6  # the first status entry is not sent again: the dialogue confirmed
    conversation = Conversation.objects.get()
    assert conversation.closed_reason == "filed" and conversation.incident == incident
    assert not conversation.photos.exists()  # the downloaded copies are gone once filed
    assert set(ConversationMessage.objects.values_list("status", flat=True)) == {
        "received",
        "sent",
    }


def test_status_updates_go_back_on_zalo(client: APIClient, zalo: FakeZalo, jobs: Jobs) -> None:
    incident = file_report(client, zalo, jobs)
    before = len(zalo.sent)
    operator = make_staff(Role.OPERATOR, ward_unit(SAIGON))
    incident_transition(actor=operator, incident=incident, to_status=Status.RECEIVED)
    jobs.run()
    (update,) = zalo.texts(USER)[before:]
    assert update == (
        f"Phản ánh {incident.reference}: Phản ánh của bạn đã chuyển sang trạng thái "
        f"«Đã tiếp nhận».\n{public_report_url(incident.reference)}"
    )
    row = Delivery.objects.get(channel="zalo")
    assert (row.status, row.provider_message_id) == (DeliveryStatus.SENT, f"z{len(zalo.sent)}")
    jobs.done.clear()  # every job once more: nothing is sent twice
    jobs.run()
    assert len(zalo.sent) == before + 1


def _received(incident: Incident) -> None:
    operator = make_staff(Role.OPERATOR, ward_unit(SAIGON))
    incident_transition(actor=operator, incident=incident, to_status=Status.RECEIVED)


def test_window_closed_by_our_clock_falls_back_to_sms(
    client: APIClient, zalo: FakeZalo, jobs: Jobs, sms_outbox: list[SmsMessage]
) -> None:
    incident = file_report(client, zalo, jobs)
    identity = ChatIdentity.objects.get(external_id=USER)
    identity.user.phone = "+84901234999"
    identity.user.save()
    identity.last_inbound_at = timezone.now() - dt.timedelta(days=8)
    identity.save()
    before = len(zalo.sent)
    _received(incident)
    jobs.run()
    assert len(zalo.sent) == before
    (sms,) = sms_outbox
    assert sms.to == "+84901234999"
    assert incident.reference in sms.text and public_report_url(incident.reference) in sms.text
    assert dict(Delivery.objects.exclude(channel="push").values_list("channel", "status")) == {
        "sms": "sent"
    }


def test_window_closed_on_zalos_side_is_replaced_by_one_sms(
    client: APIClient, zalo: FakeZalo, jobs: Jobs, sms_outbox: list[SmsMessage]
) -> None:
    incident = file_report(client, zalo, jobs)
    user = ChatIdentity.objects.get(external_id=USER).user
    user.phone = "+84901234999"
    user.save()
    zalo.errors = [-230]  # "user has not interacted with the OA in the past 7 days"
    _received(incident)
    jobs.run()
    rows = dict(Delivery.objects.exclude(channel="push").values_list("channel", "status"))
    assert rows == {"zalo": "skipped", "sms": "sent"}
    assert len(sms_outbox) == 1


def test_without_a_phone_a_closed_window_sends_nothing(
    client: APIClient, zalo: FakeZalo, jobs: Jobs, sms_outbox: list[SmsMessage]
) -> None:
    incident = file_report(client, zalo, jobs)
    ChatIdentity.objects.filter(external_id=USER).update(
        last_inbound_at=timezone.now() - dt.timedelta(days=8)
    )
    _received(incident)
    jobs.run()
    assert not Delivery.objects.exclude(channel="push").exists() and not sms_outbox


def test_api_down_retries_with_backoff_and_sends_once(
    client: APIClient, zalo: FakeZalo, jobs: Jobs
) -> None:
    user = ZaloUser(client, USER)
    zalo.http_down = True
    user.text("Đèn đường hỏng trước số 5")
    jobs.run()
    assert zalo.sent == []
    (message,) = ConversationMessage.objects.filter(direction="out")
    assert (message.status, message.attempts) == ("pending", 1)
    assert "503" in message.last_error
    assert [name for name, _args in jobs.retries] == ["conversation_send"]
    zalo.http_down = False
    jobs.run_retries()
    jobs.run_retries()  # a duplicate run of the job finds it sent
    assert len(zalo.texts(USER)) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 2)


def test_rate_limit_is_retried(client: APIClient, zalo: FakeZalo, jobs: Jobs) -> None:
    zalo.errors = [-32]
    ZaloUser(client, USER).text("Ngập nước đường Lê Lợi")
    jobs.run()
    assert zalo.sent == [] and len(jobs.retries) == 1
    jobs.run_retries()
    assert len(zalo.sent) == 1


def test_token_refreshed_before_it_expires(client: APIClient, zalo: FakeZalo, jobs: Jobs) -> None:
    ZaloToken.objects.update(expires_at=timezone.now() + dt.timedelta(minutes=5))
    ZaloUser(client, USER).text("Cây đổ chắn đường")
    jobs.run()
    assert zalo.refreshes == 1 and len(zalo.sent) == 1
    token = ZaloToken.objects.get()
    assert (token.access_token, token.refresh_token) == ("access-2", "refresh-2")
    assert token.expires_at > timezone.now() + dt.timedelta(hours=24)


def test_token_refused_is_refreshed_once_and_the_send_repeated(
    client: APIClient, zalo: FakeZalo, jobs: Jobs
) -> None:
    zalo.access_token = "revoked-elsewhere"  # Zalo no longer takes our stored token: -216
    ZaloUser(client, USER).text("Cây đổ chắn đường")
    jobs.run()
    assert zalo.refreshes == 1 and len(zalo.sent) == 1
    assert ZaloToken.objects.get().refresh_token == "refresh-2"


def test_forged_or_stale_events_are_refused_and_nothing_stored(
    client: APIClient, zalo: FakeZalo
) -> None:
    event = zalo_event("user_send_text", USER, "m-1", text="xin chào")
    forged = zalo_post(client, event, secret="not-the-oa-secret")
    assert forged.status_code == 403 and forged.json()["code"] == "bad_signature"
    stale = zalo_post(client, zalo_event("user_send_text", USER, "m-2", at=time.time() - 3600))
    assert stale.status_code == 403 and stale.json()["code"] == "stale_signature"
    unsigned = client.post(
        "/api/conversations/v1/zalo/events", data=b"{}", content_type="application/json"
    )
    assert unsigned.status_code == 403
    assert not InboundEvent.objects.exists()
    assert not ProcrastinateJob.objects.filter(task_name=HANDLE_TASK).exists()


def test_the_same_event_twice_is_handled_once(
    client: APIClient, zalo: FakeZalo, jobs: Jobs
) -> None:
    event = zalo_event("user_send_text", USER, "m-1", text="Rác trước nhà số 3")
    first, again = zalo_post(client, event), zalo_post(client, event)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == {"received": True, "duplicate": True}
    assert InboundEvent.objects.count() == 1
    assert ProcrastinateJob.objects.filter(task_name=HANDLE_TASK).count() == 1
    jobs.run()
    assert ConversationMessage.objects.filter(direction="in").count() == 1
    assert len(zalo.sent) == 1


def test_unknown_event_types_are_ignored(client: APIClient, zalo: FakeZalo) -> None:
    answer = zalo_post(client, zalo_event("user_send_sticker", USER, "m-9"))
    assert answer.status_code == 200 and answer.json() == {"received": False}
    assert not InboundEvent.objects.exists()


def test_a_photo_that_times_out_or_is_not_an_image_is_reported_and_the_dialogue_goes_on(
    client: APIClient, zalo: FakeZalo, jobs: Jobs
) -> None:
    user = ZaloUser(client, USER)
    user.text("Ổ gà lớn giữa đường")
    jobs.run()
    user.text(choice_of("roads") if "roads" in _codes() else "1")
    jobs.run()
    zalo.stall_seconds = 3  # longer than CHAT_PHOTO_TIMEOUT_SECONDS
    user.image(f"{zalo.url}/cdn/stall")
    user.image(zalo.image_url("page.html", b"<html>not a photo</html>", "text/html"))
    jobs.run()
    texts = zalo.texts(USER)
    assert sum("Không tải được ảnh" in x for x in texts) == 2
    assert texts[-1].startswith("Sự việc ở đâu?")  # still asking for the place
    assert Conversation.objects.get().state == ConversationState.LOCATION


def _codes() -> list[str]:
    from backend.conversations.engine import categories

    return [c.code for c in categories()]


def test_photo_gps_gives_the_place(client: APIClient, zalo: FakeZalo, jobs: Jobs) -> None:
    lon, lat = PHOTO_SPOT
    user = ZaloUser(client, USER)
    user.text("Rác tồn đọng lâu ngày")
    jobs.run()
    user.text(choice_of("rubbish"))
    jobs.run()
    user.image(zalo.image_url("gps.jpg", jpeg_bytes(exif=exif_with(gps=PHOTO_SPOT))))
    jobs.run()
    assert "Xin xác nhận" in zalo.texts(USER)[-1]
    user.text("1")
    jobs.run()
    incident = Incident.objects.get()
    assert incident.location_source == LocationSource.PHOTO
    assert abs(incident.location.x - lon) < 1e-4 and abs(incident.location.y - lat) < 1e-4


def test_cancel_at_any_point(client: APIClient, zalo: FakeZalo, jobs: Jobs) -> None:
    user = ZaloUser(client, USER)
    user.text("Đèn đường hỏng")
    jobs.run()
    user.text("Hủy")
    jobs.run()
    conversation = Conversation.objects.get()
    assert conversation.closed_reason == "cancelled" and conversation.closed_at is not None
    assert zalo.texts(USER)[-1].startswith("Đã hủy.")
    user.text("Ngập nước đường Nguyễn Huệ")  # a new message starts a new conversation
    jobs.run()
    assert Conversation.objects.count() == 2
    assert not Incident.objects.exists()


def test_follow_gets_a_greeting(client: APIClient, zalo: FakeZalo, jobs: Jobs) -> None:
    zalo_post(client, zalo_event("follow", USER, ""))
    jobs.run()
    assert zalo.texts(USER)[0].startswith("Xin chào! Đây là Tổng đài 1022.")


def test_english_when_the_resident_writes_english(
    client: APIClient, zalo: FakeZalo, jobs: Jobs
) -> None:
    ZaloUser(client, USER).text("There is a broken street light near my house")
    jobs.run()
    (text,) = zalo.texts(USER)
    assert text.startswith("Which field"), text
