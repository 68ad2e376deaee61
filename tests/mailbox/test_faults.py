"""Faults: the mail server down (retried at the next poll), the database down (nothing moved on
the server), the SMTP server down (the answer waits, then goes once)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail as outbox
from django.db import OperationalError
from imapclient import IMAPClient

from backend.incidents.models import Incident
from backend.mailbox.imap import KEEP_KEYWORD, MailboxUnavailable, mailbox_poll
from backend.mailbox.models import MailMessage, ReplyStatus
from backend.mailbox.replies import mail_replies_send
from backend.mailbox.tasks import mailbox_poll_job
from tests.faults import database_down
from tools.pgcluster import free_port

from .mails import deliver, folder_uids, gps_photo, mail


@pytest.mark.django_db
def test_mail_server_down_then_back(imap: IMAPClient, settings: Any) -> None:
    deliver(imap, mail(photos=[gps_photo()]))
    port = settings.MAILBOX_IMAP_PORT
    settings.MAILBOX_IMAP_PORT = free_port()  # nothing listens: refused, as a stopped server

    with pytest.raises(MailboxUnavailable):
        mailbox_poll()
    mailbox_poll_job(timestamp=0)  # the job logs it and waits for the next tick

    assert not Incident.objects.exists()
    settings.MAILBOX_IMAP_PORT = port
    mailbox_poll_job(timestamp=60)
    assert Incident.objects.count() == 1
    assert folder_uids(imap, "INBOX") == []


def test_database_down_leaves_the_mail_on_the_server(
    imap: IMAPClient, django_db_blocker: Any
) -> None:
    deliver(imap, mail(photos=[gps_photo()]))

    with database_down(django_db_blocker), pytest.raises(OperationalError):
        mailbox_poll()

    (uid,) = folder_uids(imap, "INBOX")  # neither moved nor flagged: taken at the next poll
    assert KEEP_KEYWORD.encode() not in imap.get_flags([uid])[uid]


@pytest.mark.django_db
def test_smtp_down_keeps_the_answer_pending_then_sends_it_once(
    imap: IMAPClient, settings: Any
) -> None:
    deliver(imap, mail("Góp ý", "Không có vị trí."))
    mailbox_poll()
    locmem = settings.MAILERS
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 5},
        }
    }

    assert mail_replies_send().pending == 1
    row = MailMessage.objects.get()
    assert row.reply_status == ReplyStatus.PENDING and "Connection" in row.reply_error

    settings.MAILERS = locmem
    assert mail_replies_send().sent == 1
    assert mail_replies_send().sent == 0
    assert len(outbox.outbox) == 1
