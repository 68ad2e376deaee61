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


# what Dovecot announces, less MOVE (RFC 6851): an older server
WITHOUT_MOVE = (
    "imap_capability = IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ UIDPLUS "
    "NAMESPACE CHILDREN\n"
)


@pytest.mark.django_db
def test_a_server_without_move_gets_copy_and_delete(settings: Any) -> None:
    from tools import dovecot

    from .conftest import PASSWORD, USER

    server = dovecot.start({USER: PASSWORD}, extra=WITHOUT_MOVE)
    try:
        settings.MAILBOX_IMAP_HOST, settings.MAILBOX_IMAP_PORT = "127.0.0.1", server.port
        settings.MAILBOX_IMAP_TLS, settings.MAILBOX_DONE_FOLDER = False, "Processed"
        settings.MAILBOX_IMAP_USER, settings.MAILBOX_IMAP_PASSWORD = USER, PASSWORD
        imap = IMAPClient("127.0.0.1", port=server.port, ssl=False, timeout=10)
        imap.login(USER, PASSWORD)
        assert not imap.has_capability("MOVE")
        deliver(imap, mail(photos=[gps_photo()]))

        assert mailbox_poll().taken == 1

        assert folder_uids(imap, "INBOX") == [] and len(folder_uids(imap, "Processed")) == 1
        imap.logout()
    finally:
        server.stop()
