"""Background jobs of the notifications app (procrastinate, deferred inside the writer's
transaction so a rollback leaves no job). Push delivery comes with push.py; for now the job
only records that it ran."""

from __future__ import annotations

import logging

from procrastinate.contrib.django import app

logger = logging.getLogger(__name__)


@app.task(queue="notifications", name="notify_incident_status_changed")
def notify_incident_status_changed(incident_id: int, event_id: int) -> None:
    logger.info("incident %s: status event %s to notify", incident_id, event_id)
