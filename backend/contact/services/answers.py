"""Sending a knowledge-base answer to the caller by SMS, at most once per contact.

The row is locked while the SMS is in flight (SKIP LOCKED: a concurrent run of the same job
does nothing) and marked sent in the same transaction; a gateway failure raises `SmsError`, the
row stays unsent and the queue retries the job.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from backend.accounts.sms import send_sms

from ..models import Contact


def answer_sms_send(*, contact_id: int) -> bool:
    """True when an SMS went out now; False when sent already, in flight, or nothing to send."""
    with transaction.atomic():
        contact = (
            Contact.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("article")
            .filter(pk=contact_id, answer_sms_sent_at__isnull=True, article__isnull=False)
            .first()
        )
        if contact is None or contact.article is None:
            return False
        send_sms(to=contact.caller_phone, text=f"[1022] {contact.article.sms_body()}")
        contact.answer_sms_sent_at = timezone.now()
        contact.save(update_fields=["answer_sms_sent_at"])
    return True
