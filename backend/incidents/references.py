"""Public reference numbers: 1022-<year>-<6+ digits>, one PostgreSQL sequence per year.

A sequence is race-free and never blocks (nextval is not transactional), so concurrent
submissions never wait on each other; the price is a gap when a submission rolls back, which
is fine for a reference number (it is not an invoice number). The year is the Vietnam-local year.
The sequence of a new year is created on first use; two creators racing are resolved by
catching the duplicate inside a savepoint.
"""

from __future__ import annotations

import datetime as dt

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

PREFIX = "1022"
_known_years: set[int] = set()


def _sequence(year: int) -> str:
    return f"incident_reference_{year:04d}"


def _ensure_sequence(year: int) -> None:
    if year in _known_years:
        return
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {_sequence(year)}")
    except DatabaseError:  # created by a concurrent transaction just now: it exists
        pass
    # Remember only once committed: a rolled-back creation must be retried next time.
    transaction.on_commit(lambda: _known_years.add(year))


def next_reference(at: dt.datetime | None = None) -> str:
    """A new unique reference such as '1022-2026-000123'."""
    year = timezone.localtime(at or timezone.now()).year
    _ensure_sequence(year)
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [_sequence(year)])
        (number,) = cursor.fetchone()
    return f"{PREFIX}-{year:04d}-{number:06d}"
