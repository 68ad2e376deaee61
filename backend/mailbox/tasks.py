"""The mailbox's worker job: a poll of the 1022 mailbox every MAILBOX_POLL_CRON tick (UTC)."""

from __future__ import annotations

import logging

from django.conf import settings
from procrastinate.contrib.django import app

from .imap import MailboxUnavailable, mailbox_poll
from .replies import mail_replies_send

logger = logging.getLogger(__name__)

POLL_TASK = "mailbox_poll"


# `lock`: two ticks never read the mailbox at once (the second waits for the first).
@app.periodic(cron=settings.MAILBOX_POLL_CRON, periodic_id="mailbox")
@app.task(queue="mailbox", name=POLL_TASK, lock="mailbox")
def mailbox_poll_job(timestamp: int) -> None:
    """Take the new mails, then send the pending acknowledgements. Off without MAILBOX_IMAP_HOST.
    The mail server down: logged, the next tick tries again (no mail is lost: it stays there)."""
    if not settings.MAILBOX_IMAP_HOST:
        return
    try:
        run = mailbox_poll()
    except MailboxUnavailable as exc:
        logger.warning("mailbox poll at %s: mail server unavailable (%s)", timestamp, exc)
    else:
        logger.info("mailbox poll at %s: %s taken, %s kept", timestamp, run.taken, run.kept)
    replies = mail_replies_send()
    if replies.sent or replies.pending or replies.failed:
        logger.info(
            "mailbox replies: %s sent, %s pending, %s failed",
            replies.sent,
            replies.pending,
            replies.failed,
        )
