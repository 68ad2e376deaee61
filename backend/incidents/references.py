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
import re

from django.utils import timezone

from backend.common.db import server_bound_cursor

PREFIX = "1022"


def next_reference(at: dt.datetime | None = None) -> str:
    """A new unique reference such as '1022-2026-000123'."""
    year = timezone.localtime(at or timezone.now()).year
    # bound server-side: a prepared statement after a few reports
    with server_bound_cursor() as cursor:
        cursor.execute("SELECT incident_next_reference(%s)", [year])
        row = cursor.fetchone()
    assert row is not None
    (number,) = row
    return f"{PREFIX}-{year:04d}-{number:06d}"


# A reference as people type it in a message: the separators may be spaces, dots or slashes, the
# number without its leading zeros ("1022 2026 123" is 1022-2026-000123).
_TYPED = re.compile(rf"(?<![0-9]){PREFIX}\s*[-–./_ ]\s*(\d{{4}})\s*[-–./_ ]\s*(\d{{1,9}})(?![0-9])")


def references_in(text: str, limit: int = 5) -> list[str]:
    """The references mentioned in `text`, written the canonical way, in order, each once."""
    found: list[str] = []
    for year, number in _TYPED.findall(text):
        reference = f"{PREFIX}-{year}-{int(number):06d}"
        if reference not in found:
            found.append(reference)
        if len(found) >= limit:
            break
    return found
