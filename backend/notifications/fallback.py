"""Status updates for the reporter and followers the app cannot reach (no active device:
reports taken by the hotline, the web portal, SMS, Zalo or Messenger, or an app since
uninstalled) — on the channel they use.

Runs in the same job as the push, after it (so tokens FCM just declared dead count as gone).
Which channel, per person (decided once, when their rows are created):
- a Zalo or Messenger identity whose messaging window is open (they wrote to us recently
  enough, `chat.window_open`) → a message there;
- otherwise SMS to their phone, if they have one (and, for a hotline caller, agreed to SMS);
- and e-mail to their address, as before.
A chat message the platform refuses because the window closed after all (or the user blocked
the account) is marked `skipped` and replaced by an SMS, if there is a phone.
The first entry of a report filed by a conversation (Zalo, Messenger, SMS: `conversation_id` in
its intake data) is not sent to the reporter: the conversation already confirmed it with the
reference and the link. One an operator completed from the triage inbox is.

Invariants, as for push: one `Delivery` per (event, person, channel), created with ON CONFLICT
DO NOTHING; a re-run adds no second chat/SMS row for someone who has one (the window may have
closed since; the first decision stands); only `pending` rows are sent, each locked (SKIP
LOCKED) while in flight; a failure worth retrying keeps the row pending until
NOTICE_MAX_ATTEMPTS (CHAT_MAX_ATTEMPTS for chat), then `failed`.
Settings: STATUS_SMS_FALLBACK, STATUS_EMAIL_FALLBACK (both on by default).
Side effects: chat messages (chat.py), SMS (accounts/sms.py), e-mail (Django mailer), Delivery rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backend.accounts.chat_identities import chat_identities_latest
from backend.accounts.models import User
from backend.common.links import public_report_url
from backend.incidents.models import EventKind, Incident, IncidentEvent

from .chat import send_chat, window_open
from .chat_errors import ChatRefused, ChatRetry, WindowClosed
from .deliveries import StatusTexts, deliveries_create, recipients_of, update_event
from .mail_thread import update_mail
from .models import Channel, Delivery, DeliveryStatus, Device
from .notices import TRANSIENT, SendRun, deliver

CHAT_CHANNELS = (Channel.ZALO, Channel.MESSENGER)


@dataclass(frozen=True)
class _Person:
    user: User
    chat_id: str  # the identity on the chat channel of their row, if any


def fallback_status_change(*, event_id: int) -> SendRun:
    """Create and send the chat/SMS/e-mail deliveries of update `event_id` for its reporter and
    followers without an active device."""
    run = SendRun()
    event = update_event(event_id)
    if event is None:
        return run
    incident = event.incident
    users = sorted(recipients_of(incident))
    with_device = set(
        Device.objects.filter(user_id__in=users, is_active=True).values_list("user_id", flat=True)
    )
    people = {
        u.pk: u for u in User.objects.filter(pk__in=[pk for pk in users if pk not in with_device])
    }
    first_entry = event.kind == EventKind.STATUS and not event.from_status
    if first_entry and (event.data or {}).get("conversation_id"):
        people.pop(incident.reporter_id or 0, None)
    existing: dict[int, set[str]] = {}
    for recipient_id, channel in Delivery.objects.filter(
        event=event, recipient_id__in=list(people)
    ).values_list("recipient_id", "channel"):
        existing.setdefault(recipient_id, set()).add(channel)
    now = timezone.now()
    identities = chat_identities_latest(people)
    chat_ids = {user_id: identity.external_id for user_id, identity in identities.items()}
    wanted: dict[str, list[int]] = {}  # channel → recipients, created in one statement each
    for user in people.values():
        identity = identities.get(user.pk)
        have = existing.get(user.pk, set())
        if not have & {Channel.SMS, *CHAT_CHANNELS}:
            if identity is not None and window_open(identity, now):
                wanted.setdefault(identity.channel, []).append(user.pk)
            elif user.phone and _sms_wanted(event, user):
                wanted.setdefault(Channel.SMS, []).append(user.pk)
        if user.email and settings.STATUS_EMAIL_FALLBACK:
            wanted.setdefault(Channel.EMAIL, []).append(user.pk)
    for channel, recipients in wanted.items():
        deliveries_create(event.pk, recipients, channel, now)
    texts = StatusTexts(incident, event)
    # rows created now or by an earlier run (a retry, or "send again" in the admin)
    queue = list(
        Delivery.objects.filter(event=event, recipient_id__in=list(people))
        .exclude(channel=Channel.PUSH)
        .filter(status=DeliveryStatus.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    while queue:
        row_id = queue.pop(0)
        with transaction.atomic():
            row = (
                Delivery.objects.select_for_update(skip_locked=True)
                .filter(pk=row_id, status=DeliveryStatus.PENDING)
                .first()
            )
            if row is None:  # sent meanwhile, or in flight in another run
                continue
            user = people[row.recipient_id]
            title, body = texts(user.language or "vi", user.pk == incident.reporter_id)
            replacement = _send(row, user, chat_ids.get(user.pk, ""), title, body, incident, run)
        if replacement:
            deliveries_create(event.pk, [user.pk], Channel.SMS, timezone.now())
            queue.extend(
                Delivery.objects.filter(
                    event=event,
                    recipient=user,
                    channel=Channel.SMS,
                    status=DeliveryStatus.PENDING,
                ).values_list("pk", flat=True)
            )
    return run


def _sms_wanted(event: IncidentEvent, user: User) -> bool:
    if not settings.STATUS_SMS_FALLBACK:
        return False
    if user.pk != event.incident.reporter_id:
        return True
    first = (
        IncidentEvent.objects.filter(
            incident_id=event.incident_id, kind=EventKind.STATUS, from_status=""
        )
        .values_list("data", flat=True)
        .first()
    )
    return bool((first or {}).get("sms_consent", True))


def _send(
    row: Delivery,
    user: User,
    chat_id: str,
    title: str,
    body: str,
    incident: Incident,
    run: SendRun,
) -> bool:
    """Send one locked row and record the outcome; True when an SMS should replace it."""
    now = timezone.now()
    row.updated_at = now
    fields = ["attempts", "updated_at", "last_error", "status", "sent_at", "provider_message_id"]
    addresses: dict[str, str] = {Channel.SMS: user.phone or "", Channel.EMAIL: user.email or ""}
    address = addresses.get(row.channel, chat_id)
    if not address:  # the person removed their phone number, e-mail or chat account since
        row.status, row.last_error = DeliveryStatus.SKIPPED, "no address"
        row.save(update_fields=fields)
        return False
    row.attempts += 1
    limit = settings.NOTICE_MAX_ATTEMPTS
    replace = False
    link = public_report_url(incident.reference)
    try:
        if row.channel in CHAT_CHANNELS:
            limit = settings.CHAT_MAX_ATTEMPTS
            row.provider_message_id = send_chat(
                channel=row.channel, external_id=address, text=f"{title}: {body}\n{link}"
            )
        elif row.channel == Channel.SMS:
            deliver(channel=Channel.SMS, address=address, body=f"[1022] {title}: {body} {link}")
        else:
            # threaded with the resident's mail and our acknowledgement, reference and link
            mail = update_mail(incident, row.event_id, title, body, user.language or "vi")
            deliver(channel=Channel.EMAIL, address=address, **mail)
    except (WindowClosed, ChatRefused) as exc:
        row.status, row.last_error = DeliveryStatus.SKIPPED, f"{type(exc).__name__}: {exc}"[:1000]
        replace = bool(user.phone) and settings.STATUS_SMS_FALLBACK
    except (ChatRetry, *TRANSIENT) as exc:
        row.last_error = f"{type(exc).__name__}: {exc}"[:1000]
        if row.attempts < limit:
            run.pending += 1
        else:
            row.status = DeliveryStatus.FAILED
            run.failed += 1
    else:
        row.status = DeliveryStatus.SENT
        row.sent_at = now
        run.sent += 1
    row.save(update_fields=fields)
    return replace
