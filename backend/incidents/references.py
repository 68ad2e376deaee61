"""Public reference numbers: 1022-<year>-<6+ digits>, one PostgreSQL sequence per year.

A sequence is race-free and never blocks (nextval is not transactional), so concurrent
submissions never wait on each other; the price is a gap when a submission rolls back, which
is fine for a reference number (it is not an invoice number). The year is the Vietnam-local year.

The number comes from the database function `incident_next_reference(year)` (migration 0016):
one round trip that creates the year's sequence on first use. The database, not this process,
knows which sequences exist — a process-local memory of them went wrong whenever the creating
transaction rolled back after the process had noted it (a restored database, a test).
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

PREFIX = "1022"


def next_reference(at: dt.datetime | None = None) -> str:
    """A new unique reference such as '1022-2026-000123'."""
    year = timezone.localtime(at or timezone.now()).year
    with connection.cursor() as cursor:
        cursor.execute("SELECT incident_next_reference(%s)", [year])
        (number,) = cursor.fetchone()
    return f"{PREFIX}-{year:04d}-{number:06d}"
