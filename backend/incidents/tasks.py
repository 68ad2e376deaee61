"""Background jobs of the incidents app (procrastinate)."""

from __future__ import annotations

import datetime as dt
import logging

from procrastinate.contrib.django import app

from . import grid

logger = logging.getLogger(__name__)


# Every minute: incidents that fell due are moved to the map counts' overdue rows, so a
# low-zoom tile counts at most a minute of them live (the counts are exact either way).
@app.periodic(cron="* * * * *", periodic_id="incident_grid_roll")
@app.task(queue="maps", name="incident_grid_roll")
def incident_grid_roll_job(timestamp: int) -> None:
    moved = grid.roll(dt.datetime.fromtimestamp(timestamp, tz=dt.UTC))
    logger.debug("map counts rolled to %s: %s incidents fell due", timestamp, moved)
