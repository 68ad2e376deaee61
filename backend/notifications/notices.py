"""SMS and e-mail notices to units (reminders, alerts, digest): create once, send pending ones.

Invariants:
- `notices_create` inserts with ON CONFLICT DO NOTHING against the unique constraints of
  `Notice`, and returns only the ids it created: a re-run sweep or digest creates nothing new.
- `notices_send` sends only `pending` rows, each locked (SKIP LOCKED) while it is sent, so a
  retried or concurrent job never sends one twice. A gateway or SMTP failure keeps the row
  pending until NOTICE_MAX_ATTEMPTS, then `failed` (admin can look; nothing is lost silently).
Side effects: SMS through backend/accounts/sms.py (the one SMS door), e-mail through Django's
default mailer.
"""

from __future__ import annotations

import datetime as dt
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.utils import timezone
from procrastinate.contrib.django import app
from procrastinate.types import JSONValue

from backend.accounts.sms import SmsError, send_sms

from .models import Channel, DeliveryStatus, Notice


@dataclass(frozen=True)
class NoticeDraft:
    kind: str
    unit_id: int
    channel: str
    address: str
    body: str
    incident_id: int | None = None
    period: dt.date | None = None
    subject: str = ""
    html: str = ""
    attachment: str = ""
    # `skipped` records a decision with nobody to tell (a unit without contacts), so the sweep
    # does not reconsider it every 15 minutes and admins can see which units lack contacts
    status: str = DeliveryStatus.PENDING
    last_error: str = ""


@dataclass
class SendRun:
    sent: int = 0
    failed: int = 0
    pending: int = 0


_INSERT = """
INSERT INTO {table} (kind, incident_id, unit_id, period, channel, address, subject, body, html,
                     attachment, status, attempts, last_error, created_at, updated_at)
SELECT v.kind, v.incident_id, v.unit_id, v.period, v.channel, v.address, v.subject, v.body,
       v.html, v.attachment, v.status, 0, v.last_error, %s, %s
FROM unnest(%s::text[], %s::bigint[], %s::bigint[], %s::date[], %s::text[], %s::text[],
            %s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[])
    AS v(kind, incident_id, unit_id, period, channel, address, subject, body, html, attachment,
         status, last_error)
ON CONFLICT DO NOTHING
RETURNING id, status
"""


def notices_create(drafts: list[NoticeDraft]) -> list[int]:
    """Insert the drafts that do not exist yet; the ids of the pending ones created, in order."""
    if not drafts:
        return []
    now = timezone.now()
    columns: list[list[object]] = [
        [d.kind for d in drafts],
        [d.incident_id for d in drafts],
        [d.unit_id for d in drafts],
        [d.period for d in drafts],
        [d.channel for d in drafts],
        [d.address for d in drafts],
        [d.subject for d in drafts],
        [d.body for d in drafts],
        [d.html for d in drafts],
        [d.attachment for d in drafts],
        [d.status for d in drafts],
        [d.last_error for d in drafts],
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT.format(table=connection.ops.quote_name(Notice._meta.db_table)),
            [now, now, *columns],
        )
        rows = cursor.fetchall()
    return sorted(pk for pk, status in rows if status == DeliveryStatus.PENDING)


TRANSIENT = (SmsError, smtplib.SMTPException, OSError)  # worth another attempt later


def deliver(
    *,
    channel: str,
    address: str,
    body: str,
    subject: str = "",
    html: str = "",
    attachment: str = "",
    attachment_name: str = "",
    headers: dict[str, str] | None = None,
) -> None:
    """One SMS (through the one SMS door) or one e-mail (Django's default mailer); raises one
    of TRANSIENT when the gateway or the mail server refuses."""
    if channel == Channel.SMS:
        send_sms(to=address, text=body)
        return
    message = EmailMultiAlternatives(subject=subject, body=body, to=[address], headers=headers)
    if html:
        message.attach_alternative(html, "text/html")
    if attachment:
        # UTF-8 with BOM: Excel, which most units open it in, then shows Vietnamese correctly
        message.attach(attachment_name, "\ufeff" + attachment, "text/csv; charset=utf-8")
    message.send()


def _deliver(notice: Notice) -> None:
    name = f"bao-cao-tuan-{notice.period:%Y-%m-%d}.csv" if notice.period else "bao-cao.csv"
    deliver(
        channel=notice.channel,
        address=notice.address,
        body=notice.body,
        subject=notice.subject,
        html=notice.html,
        attachment=notice.attachment,
        attachment_name=name,
    )


def notices_send(*, notice_ids: list[int]) -> SendRun:
    """Send the pending notices among `notice_ids`, one locked row at a time."""
    run = SendRun()
    for notice_id in notice_ids:
        with transaction.atomic():
            notice = (
                Notice.objects.select_for_update(skip_locked=True)
                .filter(pk=notice_id, status=DeliveryStatus.PENDING)
                .first()
            )
            if notice is None:  # sent already, failed for good, or in flight elsewhere
                continue
            now = timezone.now()
            notice.attempts += 1
            notice.updated_at = now
            try:
                _deliver(notice)
            except TRANSIENT as exc:
                notice.last_error = f"{type(exc).__name__}: {exc}"[:1000]
                if notice.attempts < settings.NOTICE_MAX_ATTEMPTS:
                    run.pending += 1
                else:
                    notice.status = DeliveryStatus.FAILED
                    run.failed += 1
            else:
                notice.status = DeliveryStatus.SENT
                notice.sent_at = now
                run.sent += 1
            notice.save(update_fields=["attempts", "updated_at", "last_error", "status", "sent_at"])
    return run


SEND_TASK = "send_notices"
SEND_CHUNK = 100


def notices_queue(notice_ids: list[int]) -> int:
    """Defer the send jobs of `notice_ids` in the caller's transaction (rollback → no job)."""
    deferrer = app.configure_task(SEND_TASK, allow_unknown=False)
    for start in range(0, len(notice_ids), SEND_CHUNK):
        chunk: list[JSONValue] = list(notice_ids[start : start + SEND_CHUNK])
        deferrer.defer(notice_ids=chunk)
    return len(notice_ids)
