"""Background jobs of the contact centre (deferred inside the operator's transaction)."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from backend.incidents.services.emergency import EMERGENCY_QUEUE, EMERGENCY_TASK

from .services.emergency import emergency_alert_send, emergency_escalate
from .services.inbox import REJECTION_TASK
from .services.outcomes import ANSWER_QUEUE, ANSWER_TASK
from .services.replies import answer_sms_send, rejection_send

logger = logging.getLogger(__name__)

# SMS gateway down: try again for about an hour (exponential backoff from 30 s).
ANSWER_RETRY = RetryStrategy(max_attempts=8, exponential_wait=30)


@app.task(queue=ANSWER_QUEUE, name=ANSWER_TASK, retry=ANSWER_RETRY)
def contact_send_answer(contact_id: int) -> None:
    """SMS the knowledge-base answer of contact `contact_id` to its caller (once)."""
    sent = answer_sms_send(contact_id=contact_id)
    logger.info("contact %s: answer SMS %s", contact_id, "sent" if sent else "not needed")


@app.task(queue=ANSWER_QUEUE, name=REJECTION_TASK, retry=ANSWER_RETRY)
def inbox_send_rejection(item_id: int) -> None:
    """Tell the reporter of inbox item `item_id` why it was rejected (once)."""
    sent = rejection_send(item_id=item_id)
    logger.info("inbox item %s: rejection %s", item_id, "sent" if sent else "not needed")


@app.task(queue=EMERGENCY_QUEUE, name=EMERGENCY_TASK)
def emergency_alert(incident_id: int) -> None:
    """Tell the on-duty contacts of an emergency's unit and the city's duty officer, at once."""
    queued = emergency_alert_send(incident_id=incident_id)
    logger.info("emergency %s: %s alerts queued", incident_id, queued)


@app.periodic(cron=settings.EMERGENCY_SWEEP_CRON, periodic_id="emergency_escalation")
@app.task(queue=EMERGENCY_QUEUE, name="emergency_escalation")
def emergency_escalation(timestamp: int) -> None:
    run = emergency_escalate(now=dt.datetime.fromtimestamp(timestamp, tz=dt.UTC))
    if run.queued:
        logger.info(
            "emergency sweep at %s: %s reports, %s alerts", timestamp, run.incidents, run.queued
        )
