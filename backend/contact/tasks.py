"""Background jobs of the contact centre (deferred inside the operator's transaction)."""

from __future__ import annotations

import logging

from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

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
