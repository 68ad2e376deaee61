"""The staff alerts' jobs (staff_alerts.py): the decision after a change, and the release of
alerts held by quiet hours (every 5 minutes)."""

from __future__ import annotations

import datetime as dt
import logging

from procrastinate.contrib.django import app

from backend.incidents.services.changes import STAFF_ALERT_TASK

from .deliveries import RetryLater
from .staff_alerts import staff_alerts_decide, staff_alerts_release, staff_alerts_send
from .tasks import NoticeRetry

logger = logging.getLogger(__name__)


@app.task(queue="notifications", name=STAFF_ALERT_TASK, retry=NoticeRetry())
def staff_alert(incident_id: int, event_ids: list[int]) -> None:
    """Decide who in the unit hears of the change `event_ids` of `incident_id`, then send."""
    created = staff_alerts_decide(event_ids=event_ids)
    run = staff_alerts_send(event_ids=event_ids)
    logger.info(
        "incident %s events %s: %s alerts, %s sent, %s failed, %s pending",
        incident_id,
        event_ids,
        created,
        run.sent,
        run.failed,
        run.pending,
    )
    if run.pending:
        raise RetryLater(pending=run.pending, retry_after=None)


@app.periodic(cron="*/5 * * * *", periodic_id="staff_alerts_release")
@app.task(queue="notifications", name="staff_alerts_release", retry=NoticeRetry())
def staff_alerts_release_job(timestamp: int) -> None:
    """Send the alerts whose quiet hours ended by this tick (a retry sends what is left)."""
    at = dt.datetime.fromtimestamp(timestamp, tz=dt.UTC)
    released = staff_alerts_release(at=at)
    run = staff_alerts_send(ids=released) if released else None
    stuck = staff_alerts_send_left(at)
    logger.info(
        "staff alerts released at %s: %s (%s), retried %s", timestamp, len(released), run, stuck
    )


def staff_alerts_send_left(at: dt.datetime) -> int:
    """Pending e-mail/SMS alerts older than 10 minutes whose job gave up or died: sent again."""
    from .models import AlertStatus, StaffAlert

    left = list(
        StaffAlert.objects.filter(
            status=AlertStatus.PENDING, created_at__lt=at - dt.timedelta(minutes=10)
        )
        .exclude(channel="in_app")
        .values_list("pk", flat=True)[:500]
    )
    return staff_alerts_send(ids=left).sent if left else 0
