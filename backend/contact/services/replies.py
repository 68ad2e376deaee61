"""Messages back to the people who contacted us, each sent at most once.

- the knowledge-base answer of a contact, by SMS to the caller;
- the reason an inbox item was rejected, to its reporter on the channel they can be reached on
  (Zalo or Messenger while their messaging window is open, else SMS to their phone, else
  e-mail).
The row is locked while the message is in flight (SKIP LOCKED: a concurrent run of the same job
does nothing) and marked sent in the same transaction; a gateway failure raises (`SmsError`,
`OSError`), the row stays unsent and the queue retries the job.
"""

from __future__ import annotations

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from backend.accounts.chat_identities import chat_identity_latest
from backend.accounts.sms import send_sms
from backend.notifications.chat import send_chat, window_open
from backend.notifications.chat_errors import ChatRefused, WindowClosed

from ..models import Contact, InboxItem


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


def rejection_send(*, item_id: int) -> bool:
    """Tell the reporter why their inbox item was rejected; True when a message went out now."""
    with transaction.atomic():
        item = (
            InboxItem.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("reporter")
            .filter(pk=item_id, status="rejected", reason_sent_at__isnull=True)
            .first()
        )
        if item is None or item.reporter is None:
            return False
        reporter = item.reporter
        with translation.override(reporter.language or "vi"):
            text = _("Phản ánh của bạn không được tiếp nhận: %(reason)s") % {"reason": item.reason}
            subject = _("Phản ánh không được tiếp nhận")
        identity = chat_identity_latest(reporter.pk)
        if identity is not None and window_open(identity):
            # ChatRetry raises: the row stays unsent and the queue retries the job
            try:
                send_chat(channel=identity.channel, external_id=identity.external_id, text=text)
            except (WindowClosed, ChatRefused):
                if not reporter.phone:
                    return False
                send_sms(to=reporter.phone, text=f"[1022] {text}")
        elif reporter.phone:
            send_sms(to=reporter.phone, text=f"[1022] {text}")
        elif reporter.email:
            send_mail(f"[1022] {subject}", text, None, [reporter.email])
        else:
            return False
        item.reason_sent_at = timezone.now()
        item.save(update_fields=["reason_sent_at"])
    return True
