"""Push a report's status change to its reporter and followers, recording one delivery each.

Invariants:
- One `Delivery` row per (event, recipient, channel), created with ON CONFLICT DO NOTHING;
  only `pending` rows are sent, and each is locked (SKIP LOCKED) while its batch is in flight,
  so a re-run or a concurrent run of the job never sends a delivery twice.
- A status change with more deliveries than `FCM_JOB_DELIVERIES` is split: its job sends the
  reporter's delivery itself (the SMS/e-mail fallback that follows looks at it), then defers
  one `PUSH_BATCH_TASK` job per `FCM_JOB_DELIVERIES` pending rows (a range of delivery ids),
  all at once, so every worker takes a share while any is queued. A re-run splits again what
  is still pending; two jobs over the same rows still send each once (locks + status).
- A delivery fans out to the recipient's active devices; devices already reached are kept in
  `sent_devices`, so a retry after a partial failure only goes to the ones that missed it.
  What was in flight when a worker died is sent again (it cannot be known to have arrived):
  each push carries a collapse identity per (incident, event), so the phone shows it once.
- Dead tokens (UNREGISTERED, sender mismatch) deactivate their device. Transient failures keep
  the row `pending` until `FCM_MAX_ATTEMPTS`, then `failed`; a refused payload fails at once.
Side effects: FCM requests (push.py), Device deactivation, Delivery updates, deferred jobs.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from procrastinate.contrib.django import app
from procrastinate.types import JSONValue

from backend.incidents.models import EventKind, Incident, IncidentEvent, Status

from . import push
from .models import Channel, Delivery, DeliveryStatus, Device, Follow

PUSH_BATCH_TASK = "push_status_change_batch"  # kwargs: incident_id, event_id, first_id, last_id


class RetryLater(Exception):
    """Some deliveries of the event are still pending after a transient failure."""

    def __init__(self, *, pending: int, retry_after: float | None) -> None:
        super().__init__(f"{pending} deliveries pending (retry after {retry_after})")
        self.pending = pending
        self.retry_after = retry_after


@dataclass
class PushRun:
    """What one run of the job did, for logs, tests and the benchmark."""

    deliveries: int = 0
    sent: int = 0
    failed: int = 0
    pending: int = 0
    no_device: int = 0
    skipped: int = 0
    messages: int = 0
    dead_tokens: int = 0
    batch_jobs: int = 0  # jobs deferred for the rest of a large fan-out
    retry_after: float | None = None


def recipients_of(incident: Incident) -> set[int]:
    """The reporter (if any) and every follower of the report."""
    users = set(Follow.objects.filter(incident=incident).values_list("user_id", flat=True))
    if incident.reporter_id is not None:
        users.add(incident.reporter_id)
    return users


# What the reporter and followers hear of: status changes and the unit's public replies.
UPDATE_KINDS = (EventKind.STATUS, EventKind.COMMENT)
REPLY_CHARS = 160  # a reply is quoted up to this length; the app shows the whole text


def update_event(event_id: int) -> IncidentEvent | None:
    """The public update `event_id` with its incident and reporter, or None (an internal
    entry is never sent, whatever asked for it)."""
    return (
        IncidentEvent.objects.select_related("incident__reporter")
        .filter(pk=event_id, kind__in=UPDATE_KINDS, is_internal=False)
        .first()
    )


class StatusTexts:
    """Title/body of an update per (language, is reporter), computed once per run: a status
    change, or the unit's public reply (quoted)."""

    def __init__(self, incident: Incident, event: IncidentEvent) -> None:
        self.incident = incident
        self.to_status = event.to_status
        self.reply = event.note if event.kind == EventKind.COMMENT else ""
        self._cache: dict[tuple[str, bool], tuple[str, str]] = {}

    def __call__(self, language: str, is_reporter: bool) -> tuple[str, str]:
        key = (language, is_reporter)
        if key not in self._cache:
            with translation.override(language):
                self._cache[key] = self._render(is_reporter)
        return self._cache[key]

    def _render(self, is_reporter: bool) -> tuple[str, str]:
        title = _("Phản ánh %(reference)s") % {"reference": self.incident.reference}
        if self.reply:
            text = self.reply if len(self.reply) <= REPLY_CHARS else self.reply[:REPLY_CHARS] + "…"
            return title, _("Cơ quan xử lý trả lời: %(text)s") % {"text": text}
        status = str(Status(self.to_status).label)
        if self.to_status == Status.NEW and is_reporter:
            body = _("Chúng tôi đã nhận phản ánh của bạn.")
        elif is_reporter:
            body = _("Phản ánh của bạn đã chuyển sang trạng thái «%(status)s».") % {
                "status": status
            }
        else:
            body = _("Phản ánh bạn theo dõi đã chuyển sang trạng thái «%(status)s».") % {
                "status": status
            }
        return title, body


def _pending(event: IncidentEvent) -> QuerySet[Delivery]:
    return Delivery.objects.filter(event=event, channel=Channel.PUSH, status=DeliveryStatus.PENDING)


def push_status_change(*, event_id: int) -> PushRun:
    """Create the push deliveries of status event `event_id` and send the pending ones, or
    split them into batch jobs if there are more than FCM_JOB_DELIVERIES."""
    run = PushRun()
    event = update_event(event_id)
    if event is None:  # the incident was deleted since: nothing to tell anyone
        return run
    incident = event.incident
    deliveries_create(event.pk, sorted(recipients_of(incident)), Channel.PUSH, timezone.now())
    pending = _pending(event)
    if not settings.FCM_ENABLED:
        _skip(pending, run)
        return run
    sender = _Sender(event, incident, run)
    if incident.reporter_id is not None:
        sender.send(pending.filter(recipient_id=incident.reporter_id))
        pending = pending.exclude(recipient_id=incident.reporter_id)
    ranges = _ranges(event.pk, incident.reporter_id, settings.FCM_JOB_DELIVERIES)
    if len(ranges) <= 1:
        sender.send(pending)
        return run
    batches: list[dict[str, JSONValue]] = [
        {"incident_id": incident.pk, "event_id": event.pk, "first_id": a, "last_id": b}
        for a, b in ranges
    ]
    app.configure_task(PUSH_BATCH_TASK, allow_unknown=False).batch_defer(*batches)
    run.batch_jobs = len(ranges)
    return run


def push_batch_send(*, event_id: int, first_id: int, last_id: int) -> PushRun:
    """Send the pending push deliveries of status event `event_id` with ids in
    [first_id, last_id] (one job's share of a large fan-out)."""
    run = PushRun()
    event = update_event(event_id)
    if event is None:
        return run
    pending = _pending(event).filter(pk__gte=first_id, pk__lte=last_id)
    if not settings.FCM_ENABLED:
        _skip(pending, run)
        return run
    _Sender(event, event.incident, run).send(pending)
    return run


def _skip(pending: QuerySet[Delivery], run: PushRun) -> None:
    run.skipped += pending.update(
        status=DeliveryStatus.SKIPPED,
        last_error="push disabled (FCM_ENABLED=0)",
        updated_at=timezone.now(),
    )


# Cut the pending deliveries of an event (but the reporter's) into ranges of ids, `size` rows each.
_RANGES = """
SELECT min(id), max(id) FROM (
    SELECT id, (row_number() OVER (ORDER BY id) - 1) / %s AS part FROM {table}
    WHERE event_id = %s AND channel = %s AND status = %s AND recipient_id IS DISTINCT FROM %s
) AS numbered GROUP BY part ORDER BY part
"""


def _ranges(event_id: int, reporter_id: int | None, size: int) -> list[tuple[int, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            _RANGES.format(table=connection.ops.quote_name(Delivery._meta.db_table)),
            [max(1, size), event_id, Channel.PUSH, DeliveryStatus.PENDING, reporter_id],
        )
        return [(first, last) for first, last in cursor.fetchall()]


class _Sender:
    """Sends pending push deliveries of one status event, FCM_BATCH_SIZE rows per lock."""

    def __init__(self, event: IncidentEvent, incident: Incident, run: PushRun) -> None:
        self.event, self.incident, self.run = event, incident, run
        self.texts = StatusTexts(incident, event)

    def send(self, pending: QuerySet[Delivery]) -> None:
        last_id = 0
        while True:
            with transaction.atomic():
                # The results need not wait for the WAL flush (5–15 ms a batch on a busy
                # disk): a database crash may forget the last ones, whose rows are then pending
                # again and resent — collapsing on the phone, as after a worker crash.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO off")
                rows = list(
                    pending.filter(pk__gt=last_id)
                    .select_for_update(skip_locked=True)
                    .order_by("pk")[: settings.FCM_BATCH_SIZE]
                )
                if not rows:
                    break
                last_id = rows[-1].pk
                _send(rows, self.event, self.incident, self.texts, self.run)


def _payload(event: IncidentEvent, incident: Incident) -> dict[str, str]:
    return {
        "type": "report_status" if event.kind == EventKind.STATUS else "report_reply",
        "report_id": str(incident.pk),
        "reference": incident.reference,
        "status": event.to_status,
        "event_id": str(event.pk),
        "link": f"hotline1022://reports/{incident.pk}",
    }


def _send(
    rows: list[Delivery],
    event: IncidentEvent,
    incident: Incident,
    texts: StatusTexts,
    run: PushRun,
) -> None:
    devices: dict[int, list[Device]] = defaultdict(list)
    for device in (
        Device.objects.filter(user_id__in={r.recipient_id for r in rows}, is_active=True)
        .only("id", "user_id", "token", "language")
        .order_by("id")
    ):
        devices[device.user_id].append(device)
    data = _payload(event, incident)
    # one notice per (report, status change) on the phone, however often it is sent
    collapse, thread = f"report-{incident.pk}-event-{event.pk}", f"report-{incident.pk}"
    targets: list[tuple[Delivery, Device]] = []
    messages: list[push.PushMessage] = []
    for row in rows:
        for device in devices[row.recipient_id]:
            if device.pk in row.sent_devices:
                continue
            title, body = texts(device.language, row.recipient_id == incident.reporter_id)
            targets.append((row, device))
            messages.append(
                push.PushMessage(
                    token=device.token,
                    title=title,
                    body=body,
                    data=data,
                    collapse_key=collapse,
                    thread=thread,
                )
            )
    results = push.send_batch(messages)
    run.messages += len(messages)
    outcomes: dict[int, list[tuple[Device, push.PushResult]]] = defaultdict(list)
    for (row, device), result in zip(targets, results, strict=True):
        outcomes[row.pk].append((device, result))
    now = timezone.now()
    dead: dict[int, str] = {}
    for row in rows:
        _settle(row, outcomes.get(row.pk, []), dead, now, run)
    for reason in sorted(set(dead.values())):
        run.dead_tokens += Device.objects.filter(
            pk__in=[pk for pk, why in dead.items() if why == reason], is_active=True
        ).update(is_active=False, deactivated_at=now, deactivation_reason=reason)
    _save(rows, now)


# bulk_create(ignore_conflicts=True) builds a model instance per row: ~1 s for 10,000 followers.
_INSERT = """
INSERT INTO {table} (event_id, recipient_id, channel, status, attempts, last_error,
                     provider_message_id, sent_devices, created_at, updated_at)
SELECT %s, recipient, %s, %s, 0, '', '', '[]'::jsonb, %s, %s FROM unnest(%s::bigint[]) recipient
ON CONFLICT (event_id, recipient_id, channel) DO NOTHING
"""


def deliveries_create(event_id: int, recipients: list[int], channel: str, now: dt.datetime) -> None:
    """The delivery rows of `event_id` on `channel`, unless they exist (a re-run)."""
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT.format(table=connection.ops.quote_name(Delivery._meta.db_table)),
            [event_id, channel, DeliveryStatus.PENDING, now, now, recipients],
        )


# One statement for a whole batch: Django's bulk_update builds a CASE per column and row, which
# costs ~1 s per 500 rows here (bench/bench_push.py); unnest() of arrays costs milliseconds.
_UPDATE = """
UPDATE {table} AS d
SET status = v.status, attempts = v.attempts, last_error = v.last_error,
    provider_message_id = v.provider_message_id, sent_devices = v.sent_devices::jsonb,
    sent_at = v.sent_at, updated_at = %s
FROM unnest(%s::bigint[], %s::text[], %s::int[], %s::text[], %s::text[], %s::text[],
            %s::timestamptz[])
    AS v(id, status, attempts, last_error, provider_message_id, sent_devices, sent_at)
WHERE d.id = v.id
"""


def _save(rows: list[Delivery], now: dt.datetime) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            _UPDATE.format(table=connection.ops.quote_name(Delivery._meta.db_table)),
            [
                now,
                [r.pk for r in rows],
                [r.status for r in rows],
                [r.attempts for r in rows],
                [r.last_error for r in rows],
                [r.provider_message_id for r in rows],
                [json.dumps(r.sent_devices) for r in rows],
                [r.sent_at for r in rows],
            ],
        )


def _settle(
    row: Delivery,
    outcomes: Iterable[tuple[Device, push.PushResult]],
    dead: dict[int, str],
    now: dt.datetime,
    run: PushRun,
) -> None:
    """Fold one delivery's per-device results into its row."""
    run.deliveries += 1
    retry: list[push.PushResult] = []
    errors: list[str] = []
    tried = False
    for device, result in outcomes:
        tried = True
        if result.outcome is push.Outcome.SENT:
            row.sent_devices = [*row.sent_devices, device.pk]
            row.provider_message_id = " ".join(
                filter(None, [row.provider_message_id, result.message_id])
            )
        elif result.outcome is push.Outcome.DEAD_TOKEN:
            dead[device.pk] = result.error.split(":", 1)[0][:64]  # e.g. UnregisteredError
        elif result.outcome is push.Outcome.RETRY:
            retry.append(result)
            errors.append(result.error)
        else:
            errors.append(result.error)
    if tried:
        row.attempts += 1
    if errors:
        row.last_error = errors[-1]
    row.updated_at = now
    if retry and row.attempts < settings.FCM_MAX_ATTEMPTS:
        row.status = DeliveryStatus.PENDING
        run.pending += 1
        waits = [r.retry_after for r in retry if r.retry_after is not None]
        if waits:
            run.retry_after = max([run.retry_after or 0.0, *waits])
    elif row.sent_devices:
        row.status = DeliveryStatus.SENT
        row.sent_at = row.sent_at or now
        run.sent += 1
    elif errors:
        row.status = DeliveryStatus.FAILED
        run.failed += 1
    else:  # no active device, or every one of them turned out dead
        row.status = DeliveryStatus.NO_DEVICE
        run.no_device += 1
