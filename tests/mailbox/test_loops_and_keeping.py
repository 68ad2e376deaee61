"""No mail loops (machines' mails are never answered nor filed); oversized and unreadable mails
are kept for an operator, never lost; incomplete mails wait in the triage inbox, answered once."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail as outbox
from imapclient import IMAPClient

from backend.contact.models import InboxItem
from backend.incidents.models import Incident
from backend.mailbox.imap import KEEP_KEYWORD, mailbox_poll
from backend.mailbox.models import MailMessage, Outcome, ReplyStatus
from backend.mailbox.replies import mail_replies_send

from .mails import deliver, folder_uids, gps_photo, mail, noisy_photo

pytestmark = pytest.mark.django_db

BOUNCE = (
    b"From: Mail Delivery System <MAILER-DAEMON@mx.example.vn>\r\n"
    b"To: 1022@tphcm.gov.vn\r\nSubject: Undelivered Mail Returned to Sender\r\n"
    b"Message-ID: <bounce-1@mx.example.vn>\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
    b"--B\r\nContent-Type: text/plain\r\n\r\nR\xc3\xa1c th\xe1\xba\xa3i: 550 user unknown\r\n"
    b"--B\r\nContent-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822; x@y\r\n"
    b"Status: 5.1.1\r\n\r\n--B--\r\n"
)


@pytest.mark.parametrize(
    ("headers", "sender", "reason"),
    [
        ({"Auto-Submitted": "auto-replied"}, "an@example.vn", "auto_submitted"),
        ({"Precedence": "bulk"}, "an@example.vn", "precedence"),
        ({"List-Id": "<tin-tuc.example.vn>"}, "news@example.vn", "mailing_list"),
        ({"X-Autoreply": "yes"}, "an@example.vn", "auto_reply"),
        ({"Return-Path": "<>"}, "an@example.vn", "null_sender"),
        ({}, "1022@tphcm.gov.vn", "own_address"),
    ],
)
def test_machine_mail_is_neither_filed_nor_answered(
    imap: IMAPClient, headers: dict[str, str], sender: str, reason: str
) -> None:
    deliver(imap, mail(photos=[gps_photo()], sender=sender, headers=headers))

    assert mailbox_poll().taken == 1
    mail_replies_send()

    row = MailMessage.objects.get()
    assert (row.outcome, row.reason, row.reply_status) == (Outcome.IGNORED, reason, "")
    assert not Incident.objects.exists() and not InboxItem.objects.exists()
    assert outbox.outbox == []
    assert folder_uids(imap, "INBOX") == []  # out of the way: looked at once


def test_bounce_is_ignored(imap: IMAPClient) -> None:
    deliver(imap, BOUNCE)
    mailbox_poll()
    assert MailMessage.objects.get().reason in ("null_sender", "delivery_report")
    assert not InboxItem.objects.exists()


def test_incomplete_mail_waits_in_the_triage_inbox_with_the_mail_and_one_answer(
    imap: IMAPClient, media: Any
) -> None:
    sent = mail("Góp ý", "Phường Sài Gòn có nhiều vấn đề cần xem xét.")
    deliver(imap, sent)

    mailbox_poll()

    item = InboxItem.objects.get()
    assert item.reporter is not None and item.reporter.email == "an.nguyen@example.vn"
    assert item.channel == "email"
    assert item.category is None
    assert item.address == "Phường Sài Gòn" and item.location is not None  # the ward named
    row = MailMessage.objects.get()
    assert row.inbox_item == item and row.reason == "no_category"
    with row.raw.open("rb") as stored:
        assert b"Content-Type: text/plain" in stored.read()  # the mail itself, for the operator

    assert mail_replies_send().sent == 1
    assert mail_replies_send().sent == 0  # once
    (answer,) = outbox.outbox
    assert answer.to == ["an.nguyen@example.vn"] and answer.subject == "Re: Góp ý"
    assert answer.extra_headers["In-Reply-To"] == sent["Message-ID"]
    assert answer.extra_headers["Auto-Submitted"] == "auto-replied"
    assert MailMessage.objects.get().reply_status == ReplyStatus.SENT


def test_oversized_mail_is_kept_on_the_server_and_listed(imap: IMAPClient, settings: Any) -> None:
    settings.MAILBOX_MAX_BYTES = 50_000
    deliver(imap, mail("Ảnh lớn: cây đổ", photos=[noisy_photo((400, 300))]))

    assert mailbox_poll().kept == 1
    assert mailbox_poll().kept == 0  # flagged: not looked at again

    row = MailMessage.objects.get()
    assert row.outcome == Outcome.KEPT and row.reason.startswith("oversized")
    assert row.raw.name == ""  # never downloaded
    item = InboxItem.objects.get()
    assert "Ảnh lớn: cây đổ" in item.description and item.flag
    (uid,) = folder_uids(imap, "INBOX")
    assert KEEP_KEYWORD.encode() in imap.get_flags([uid])[uid]
    assert not Incident.objects.exists() and outbox.outbox == []


@pytest.mark.parametrize(
    "raw",
    [
        b"this is not a mail at all\r\n",
        # a multipart whose boundary never comes: nothing of it can be read
        b"From: an@example.vn\r\nMessage-ID: <m1@e.vn>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="never"\r\n\r\n\xff\xfe garbage\r\n',
    ],
)
def test_malformed_mail_is_kept_with_its_raw_copy(imap: IMAPClient, raw: bytes) -> None:
    deliver(imap, raw)

    assert mailbox_poll().kept == 1

    row = MailMessage.objects.get()
    assert row.outcome == Outcome.KEPT and row.reason.startswith("malformed")
    with row.raw.open("rb") as stored:
        assert stored.read().replace(b"\r\n", b"\n") == raw.replace(b"\r\n", b"\n")
    assert len(folder_uids(imap, "INBOX")) == 1
    assert outbox.outbox == []


def test_completed_by_an_operator_the_resident_gets_the_reference_by_mail(
    imap: IMAPClient,
) -> None:
    from django.contrib.gis.geos import Point

    from backend.contact.services.inbox import inbox_complete
    from backend.units.models import Category
    from tests.contact.helpers import operator
    from tests.incidents.factories import SAIGON, point_in
    from tests.notifications.push_jobs import jobs, run_job

    deliver(imap, mail("Góp ý", "Cây xanh trước nhà nghiêng, sắp đổ."))
    mailbox_poll()
    item = InboxItem.objects.get()  # a category, but no place

    incident = inbox_complete(
        item_id=item.pk,
        operator=operator(),
        category=Category.objects.get(code="trees"),
        location=Point(*point_in(SAIGON), srid=4326),
    )
    for args in jobs():
        assert run_job(args) is None

    (ack,) = outbox.outbox
    assert ack.to == ["an.nguyen@example.vn"] and incident.channel == "email"
    assert incident.reference in ack.subject and incident.reference in ack.body
