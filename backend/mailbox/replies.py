"""The mailbox's own answers: "we received your mail" to a resident whose mail waits in the
triage inbox (a filed report is answered by its first update mail, notifications/fallback.py).

Invariants: only `pending` rows are sent, each locked (SKIP LOCKED) while in flight, so a second
poll never sends one twice; an SMTP failure keeps the row pending until NOTICE_MAX_ATTEMPTS,
then `failed`. The answer is threaded (In-Reply-To/References the resident's mail) and marked
`Auto-Submitted: auto-replied` (RFC 3834) so that no autoresponder answers it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from backend.notifications.notices import TRANSIENT, deliver

from .models import MailMessage, ReplyStatus


@dataclass
class ReplyRun:
    sent: int = 0
    failed: int = 0
    pending: int = 0


def _text(mail: MailMessage) -> dict[str, Any]:
    language = (mail.reporter.language if mail.reporter else "") or "vi"
    with translation.override(language):
        body = _(
            "Tổng đài 1022 đã nhận thư của bạn. Điện thoại viên sẽ bổ sung thông tin còn thiếu "
            "(vị trí hoặc lĩnh vực) và gửi mã phản ánh cho bạn qua thư điện tử."
        )
    subject = mail.subject if mail.subject.lower().startswith("re:") else f"Re: {mail.subject}"
    headers = {"Auto-Submitted": "auto-replied"}
    if mail.message_id:
        headers["In-Reply-To"] = headers["References"] = mail.message_id
    return {"subject": subject.strip() or "Re: 1022", "body": body + "\n", "headers": headers}


def mail_replies_send(*, limit: int = 100) -> ReplyRun:
    """Send the pending acknowledgements, oldest first."""
    run = ReplyRun()
    ids = list(
        MailMessage.objects.filter(reply_status=ReplyStatus.PENDING)
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
    for mail_id in ids:
        with transaction.atomic():
            mail = (
                MailMessage.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("reporter")
                .filter(pk=mail_id, reply_status=ReplyStatus.PENDING)
                .first()
            )
            if mail is None:
                continue
            mail.reply_attempts += 1
            try:
                deliver(channel="email", address=mail.sender, **_text(mail))
            except TRANSIENT as exc:
                mail.reply_error = f"{type(exc).__name__}: {exc}"[:1000]
                if mail.reply_attempts < settings.NOTICE_MAX_ATTEMPTS:
                    run.pending += 1
                else:
                    mail.reply_status = ReplyStatus.FAILED
                    run.failed += 1
            else:
                mail.reply_status, mail.reply_sent_at = ReplyStatus.SENT, timezone.now()
                run.sent += 1
            mail.save(
                update_fields=["reply_attempts", "reply_error", "reply_status", "reply_sent_at"]
            )
    return run
