"""The whole path over real IMAP: a mail becomes a report, its acknowledgement and status updates
go back threaded with the reference and the public link, a reply adds to the report."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail as outbox
from imapclient import IMAPClient

from backend.common.links import public_report_url
from backend.incidents.models import Channel, EventKind, Incident, LocationSource, Status
from backend.mailbox.imap import DONE_KEYWORD, mailbox_poll
from backend.mailbox.models import MailMessage, Outcome
from tests.notifications.push_jobs import jobs, receive, run_job

from .mails import deliver, folder_uids, gps_photo, mail

pytestmark = pytest.mark.django_db


def run_update_jobs(done: int) -> int:
    found = jobs()
    for args in found[done:]:
        assert run_job(args) is None
    return len(found)


def test_mail_report_ack_update_and_reply(imap: IMAPClient, settings: Any) -> None:
    settings.MAIL_MESSAGE_ID_DOMAIN = "1022.test"
    original = mail(photos=[gps_photo()])
    deliver(imap, original)

    run = mailbox_poll()

    assert (run.taken, run.kept) == (1, 0)
    incident = Incident.objects.select_related("reporter", "category").get()
    assert incident.channel == Channel.EMAIL
    assert incident.category.code == "rubbish"
    assert incident.location_source == LocationSource.PHOTO
    assert incident.description.startswith("Rác thải tồn đọng\n\nRác thải đổ trước nhà số 12")
    assert incident.reporter is not None and incident.reporter.email == "an.nguyen@example.vn"
    assert incident.photos.count() == 1
    assert incident.idempotency_key == original["Message-ID"]
    assert folder_uids(imap, "INBOX") == [] and len(folder_uids(imap, "Processed")) == 1

    # the acknowledgement: the first update mail, threaded under the resident's mail
    done = run_update_jobs(0)
    (ack,) = outbox.outbox
    ack_id = f"<{incident.reference}.e{incident.events.get(from_status='').pk}@1022.test>"
    assert ack.to == ["an.nguyen@example.vn"]
    assert ack.extra_headers["Message-ID"] == ack_id
    assert ack.extra_headers["In-Reply-To"] == original["Message-ID"]
    assert ack.extra_headers["Auto-Submitted"] == "auto-replied"
    assert incident.reference in ack.subject
    assert "Chúng tôi đã nhận phản ánh của bạn." in ack.body
    assert public_report_url(incident.reference) in ack.body
    assert ack.message()["Message-ID"] == ack_id  # what goes on the wire

    # a status update answers the acknowledgement
    receive(incident)
    run_update_jobs(done)
    update = outbox.outbox[-1]
    assert update.extra_headers["In-Reply-To"] == ack_id
    assert update.extra_headers["References"] == f"{original['Message-ID']} {ack_id}"
    assert "«Đã tiếp nhận»" in update.body and public_report_url(incident.reference) in update.body

    # the resident answers the update: the new words go to the report, nothing new is filed
    answer = mail(
        subject="Re: " + update.subject,
        text="Hôm nay rác còn nhiều hơn, có mùi hôi.\n\nOn Mon, 1 Dec 2026, 1022 wrote:\n> cũ",
        headers={
            "In-Reply-To": update.extra_headers["Message-ID"],
            "References": f"{original['Message-ID']} {ack_id} {update.extra_headers['Message-ID']}",
        },
    )
    deliver(imap, answer)
    assert mailbox_poll().taken == 1
    assert Incident.objects.count() == 1
    added = incident.events.get(kind=EventKind.NOTE, data__from_reporter=True)
    assert added.note == "Hôm nay rác còn nhiều hơn, có mùi hôi."
    assert added.is_internal and added.actor_id == incident.reporter_id
    assert MailMessage.objects.get(source_key=answer["Message-ID"]).outcome == Outcome.ADDED

    # nothing is taken twice, nothing sent twice
    sent = len(outbox.outbox)
    assert mailbox_poll().taken == 0
    run_update_jobs(0)
    assert len(outbox.outbox) == sent
    assert Incident.objects.get().status == Status.RECEIVED


def test_reference_in_subject_adds_to_own_report_only(imap: IMAPClient) -> None:
    deliver(imap, mail(photos=[gps_photo()], sender="an@example.vn"))
    mailbox_poll()
    incident = Incident.objects.get()
    deliver(
        imap,
        mail(
            f"Bổ sung cho phản ánh {incident.reference}", "Thêm: gần chợ.", sender="an@example.vn"
        ),
    )
    deliver(imap, mail(f"Về {incident.reference}", "Tôi là người khác.", sender="khac@example.vn"))

    mailbox_poll()

    notes = incident.events.filter(kind=EventKind.NOTE, data__from_reporter=True)
    assert [n.note for n in notes] == ["Thêm: gần chợ."]
    stranger = MailMessage.objects.get(sender="khac@example.vn")
    assert stranger.outcome == Outcome.INBOX  # a new mail like any other (no category in it)


def test_the_same_mail_twice_files_one_report(imap: IMAPClient) -> None:
    twice = mail(photos=[gps_photo()])
    deliver(imap, twice)
    deliver(imap, twice)

    assert mailbox_poll().taken == 2

    assert Incident.objects.count() == 1 and MailMessage.objects.count() == 1
    assert len(folder_uids(imap, "Processed")) == 2


def test_done_keyword_without_a_done_folder(imap: IMAPClient, settings: Any) -> None:
    settings.MAILBOX_DONE_FOLDER = ""
    deliver(imap, mail(photos=[gps_photo()]))

    assert mailbox_poll().taken == 1
    assert mailbox_poll().taken == 0

    (uid,) = folder_uids(imap, "INBOX")
    assert DONE_KEYWORD.encode() in imap.get_flags([uid])[uid]
    assert b"\\Seen" not in imap.get_flags([uid])[uid]
