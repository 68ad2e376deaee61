"""Answering a Zalo resident from the console, in a real browser: the inbox item a conversation
handed over shows its transcript and a reply box; the answer appears in the transcript and the
fake Zalo OA server receives it exactly once (a double click included). A resident whose
messaging window has closed (and who gave no phone) cannot be answered: the box says why, and
when the window closes while the operator types, the API's refusal is shown. On a phone the
panel fits the screen."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from backend.accounts.models import ChatIdentity
from backend.conversations.models import Conversation, ConversationMessage
from tests.conversations.conftest import Jobs, sms_outbox, zalo
from tests.conversations.fakes import FakeZalo
from tests.conversations.helpers import ZaloUser

from .test_contact_inbox import sign_in

pytestmark = [pytest.mark.browser]
__all__ = ["sms_outbox", "zalo"]
ASKING, SILENT = "zu-asking", "zu-silent"
REPLY = "Chào bạn, hồ sơ sửa nhà nộp tại UBND phường, mang theo giấy tờ nhà và bản vẽ."


def wants_an_operator(jobs: Jobs, user_id: str, question: str) -> Conversation:
    resident = ZaloUser(APIClient(), user_id)
    resident.text(question)
    jobs.run()
    resident.text("tổng đài")
    jobs.run()
    return Conversation.objects.get(address=user_id)


def close_window(user_id: str) -> None:
    ChatIdentity.objects.filter(external_id=user_id).update(
        last_inbound_at=timezone.now() - dt.timedelta(days=8)
    )


def test_an_operator_answers_a_zalo_resident_from_the_console(
    page: Any, live_server: Any, zalo: FakeZalo
) -> None:
    jobs = Jobs()
    asking = wants_an_operator(jobs, ASKING, "Làm sao để xin phép sửa nhà?")
    silent = wants_an_operator(jobs, SILENT, "Cho hỏi lịch thu gom rác cồng kềnh?")
    close_window(SILENT)
    sign_in(page, live_server.url)

    # the chat item: its transcript and a reply box
    page.click(f"#inbox-items li[data-item='{asking.inbox_item_id}'] button.claim")
    page.wait_for_selector("#inbox-chat:not([hidden])")
    page.wait_for_selector("#chat-messages li.in >> text=Làm sao để xin phép sửa nhà?")
    assert page.text_content("#chat-channel") == "Zalo"
    assert page.locator("#chat-messages li.in").count() == 2
    assert page.locator("#chat-messages li.out").count() == 2  # the bot's answers

    # the answer: shown in the transcript, received by Zalo once, even after a double click
    page.fill("#chat-reply textarea[name=text]", REPLY)
    page.dblclick("#chat-reply button[type=submit]")
    page.wait_for_selector(f"#chat-messages li.out >> text={REPLY}")
    assert page.input_value("#chat-reply textarea[name=text]") == ""
    jobs.run()
    assert zalo.texts(ASKING).count(REPLY) == 1
    assert [m["text"] for m in zalo.sent].count(REPLY) == 1
    (row,) = ConversationMessage.objects.filter(text=REPLY).select_related("author")
    assert row.author is not None and row.author.username == "saigon.tiepnhan"
    assert (row.status, row.sent_via) == ("sent", "zalo")
    page.wait_for_selector(f"#chat-messages li[data-status=sent] >> text={REPLY}")
    jobs.run()
    assert [m["text"] for m in zalo.sent].count(REPLY) == 1

    # a resident silent for 8 days, no phone: the box is disabled and says why
    page.click(f"#inbox-items li[data-item='{silent.inbox_item_id}'] button.claim")
    page.wait_for_selector("#chat-messages li.in >> text=Cho hỏi lịch thu gom rác cồng kềnh?")
    page.wait_for_selector("#chat-reply textarea[name=text]:disabled")
    assert page.is_disabled("#chat-reply button[type=submit]")
    assert "Không gửi được: người dân đã lâu không nhắn tin nên kênh Zalo" in page.text_content(
        "#chat-note"
    )

    # back to the first one; its window closes while the operator writes: the API's refusal
    page.click(f"#inbox-items li[data-item='{asking.inbox_item_id}'] button.open")
    page.wait_for_selector(f"#chat-messages li.out >> text={REPLY}")
    page.wait_for_selector("#chat-reply textarea[name=text]:enabled")
    close_window(ASKING)
    page.fill("#chat-reply textarea[name=text]", "Bạn còn cần hỗ trợ gì không?")
    page.click("#chat-reply button[type=submit]")
    page.wait_for_selector("#chat-note.error >> text=Không gửi được")
    page.wait_for_selector("#chat-reply textarea[name=text]:disabled")
    assert not ConversationMessage.objects.filter(text="Bạn còn cần hỗ trợ gì không?").exists()
    jobs.run()
    assert len(zalo.texts(ASKING)) == 3  # two answers from the dialogue, the operator's one

    # a phone: the panel fits, nothing wider than the screen
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("#chat-reply textarea[name=text]").scroll_into_view_if_needed()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    box = page.locator("#chat-reply").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    transcript = page.locator("#chat-messages").bounding_box()
    assert transcript["width"] <= 390 and transcript["height"] > 40
    assert page.errors == []
