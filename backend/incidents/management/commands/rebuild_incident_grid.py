"""Recompute the map's incident counts per cell from scratch, or roll their overdue flags.

    manage.py rebuild_incident_grid          # a few seconds per million incidents
    manage.py rebuild_incident_grid --roll   # every minute or so: flag incidents that fell due

The incidents table's triggers keep the counts in step with every write (backend.incidents.grid),
so a rebuild is only needed if they were disabled outside `grid.trigger_off_then_rebuild` (which
rebuilds itself) or to compact the table; without a roll the counts stay exact, only the live
part of low-zoom tiles grows.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from backend.incidents import grid


class Command(BaseCommand):
    help = "Tính lại số phản ánh theo ô bản đồ / Rebuild the map's incident counts per cell."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--roll", action="store_true", help="only flag incidents that fell due since last time"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        started = time.monotonic()
        if opts["roll"]:
            moved = grid.roll(timezone.now())
            self.stdout.write(f"{moved} incidents fell due; {time.monotonic() - started:.2f} s")
            return
        rows = grid.rebuild(timezone.now())
        self.stdout.write(f"{rows:,} count rows in {time.monotonic() - started:.1f} s")
