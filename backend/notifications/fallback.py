"""SMS and e-mail of a status change for reporters the app cannot reach (no active device:
reports taken by the hotline or the web portal, or an app since uninstalled).

Runs in the same job as the push, after it (so tokens FCM just declared dead count as gone).
Invariants, as for push: one `Delivery` per (event, reporter, channel) — channel `sms` or
`email` — created with ON CONFLICT DO NOTHING; only `pending` rows are sent, each locked
(SKIP LOCKED) while in flight; a gateway/SMTP failure keeps the row pending until
NOTICE_MAX_ATTEMPTS, then `failed`. Followers are app users: push only. A caller who declined
SMS updates when the hotline took the report (`sms_consent` false on the first history entry)
gets none.
Settings: STATUS_SMS_FALLBACK, STATUS_EMAIL_FALLBACK (both on by default).
Side effects: SMS (accounts/sms.py), e-mail (Django mailer), Delivery rows.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backend.incidents.models import EventKind, IncidentEvent

from .deliveries import StatusTexts, deliveries_create, update_event
from .mail_thread import update_mail
from .models import Channel, Delivery, DeliveryStatus, Device
from .notices import TRANSIENT, SendRun, deliver


def fallback_status_change(*, event_id: int) -> SendRun:
    """Create and send the SMS/e-mail deliveries of status event `event_id`, if its reporter
    has no active device."""
    run = SendRun()
    event = update_event(event_id)
    if event is None or event.incident.reporter is None:
        return run
    incident, reporter = event.incident, event.incident.reporter
    addresses = {
        Channel.SMS: reporter.phone or "",
        Channel.EMAIL: reporter.email or "",
    }
    wanted = {
        Channel.SMS: settings.STATUS_SMS_FALLBACK and _sms_consented(event.incident_id),
        Channel.EMAIL: settings.STATUS_EMAIL_FALLBACK,
    }
    now = timezone.now()
    if not Device.objects.filter(user=reporter, is_active=True).exists():
        for channel, address in addresses.items():
            if address and wanted[channel]:
                deliveries_create(event.pk, [reporter.pk], channel, now)
    language = reporter.language or "vi"
    title, body = StatusTexts(incident, event)(language, True)
    texts: dict[str, dict[str, Any]] = {
        Channel.SMS: {"body": f"[1022] {title}: {body}"},
        # threaded with the reporter's mail and our acknowledgement, reference and link
        Channel.EMAIL: update_mail(incident, event.pk, title, body, language),
    }
    # rows created now or by an earlier run (a retry, or "send again" in the admin)
    for channel in (Channel.SMS, Channel.EMAIL):
        with transaction.atomic():
            row = (
                Delivery.objects.select_for_update(skip_locked=True)
                .filter(event=event, recipient=reporter, channel=channel)
                .filter(status=DeliveryStatus.PENDING)
                .first()
            )
            if row is not None:
                _send(row, addresses[channel], texts[channel], run)
    return run


def _sms_consented(incident_id: int) -> bool:
    first = (
        IncidentEvent.objects.filter(incident_id=incident_id, kind=EventKind.STATUS, from_status="")
        .values_list("data", flat=True)
        .first()
    )
    return bool((first or {}).get("sms_consent", True))


def _send(row: Delivery, address: str, text: dict[str, Any], run: SendRun) -> None:
    now = timezone.now()
    row.updated_at = now
    if not address:  # the reporter removed their phone number or e-mail since
        row.status, row.last_error = DeliveryStatus.SKIPPED, "no address"
        row.save(update_fields=["updated_at", "last_error", "status"])
        return
    row.attempts += 1
    try:
        deliver(channel=row.channel, address=address, **text)
    except TRANSIENT as exc:
        row.last_error = f"{type(exc).__name__}: {exc}"[:1000]
        if row.attempts < settings.NOTICE_MAX_ATTEMPTS:
            run.pending += 1
        else:
            row.status = DeliveryStatus.FAILED
            run.failed += 1
    else:
        row.status = DeliveryStatus.SENT
        row.sent_at = now
        run.sent += 1
    row.save(update_fields=["attempts", "updated_at", "last_error", "status", "sent_at"])
