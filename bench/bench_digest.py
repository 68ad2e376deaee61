"""Weekly digest benchmark: every unit's numbers (and the rendered SMS + e-mail) over the
incident table, against the bare aggregate SQL measured in the same run.

    DATABASE_URL=postgis://postgres@127.0.0.1:$(cat var/pg/port)/hotline1022_bench_staff \\
        .venv/bin/python bench/bench_digest.py [--runs 7] [--week 2026-W47]

Read-only: nothing is inserted or sent. Prints median and p95 in ms, and the ratio to the
bare SQL (what the ORM, the unit-tree roll-up and the rendering add).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_staff import setup, timed  # noqa: E402

# The same two grouped queries the digest runs (digest.py), written by hand.
BARE = [
    """
SELECT i.unit_id, c.field, i.ward_id,
       count(*) FILTER (WHERE i.created_at >= %(start)s AND i.created_at < %(end)s),
       count(*) FILTER (WHERE i.resolved_at >= %(start)s AND i.resolved_at < %(end)s),
       count(*) FILTER (WHERE i.resolved_at >= %(start)s AND i.resolved_at < %(end)s
                        AND i.is_late),
       count(*) FILTER (WHERE i.resolved_at >= %(prev)s AND i.resolved_at < %(start)s),
       count(*) FILTER (WHERE i.resolved_at >= %(prev)s AND i.resolved_at < %(start)s
                        AND i.is_late)
FROM incidents_incident i JOIN units_category c ON c.id = i.category_id
WHERE i.unit_id IS NOT NULL
  AND ((i.created_at >= %(start)s AND i.created_at < %(end)s)
       OR (i.resolved_at >= %(prev)s AND i.resolved_at < %(end)s))
GROUP BY 1, 2, 3
""",
    """
SELECT i.unit_id, c.field, i.ward_id, count(*)
FROM incidents_incident i JOIN units_category c ON c.id = i.category_id
WHERE i.unit_id IS NOT NULL AND i.due_at < %(end)s
  AND i.status IN ('new', 'received', 'assigned', 'in_progress', 'transferred', 'reopened')
GROUP BY 1, 2, 3
""",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--week", help="ISO week the digest is sent in (default: the latest)")
    opts = parser.parse_args()
    setup()
    from django.db import connection
    from django.utils import timezone, translation

    from backend.incidents.models import Incident
    from backend.notifications.digest import digest_counts, iso_week, unit_digests, week_before
    from backend.notifications.digest_notices import digest_drafts

    if opts.week:
        year, week_no = opts.week.upper().split("-W")
        week = iso_week(int(year), int(week_no))
    else:
        week = week_before(timezone.now())
    params = {"start": week.start, "end": week.end, "prev": week.prev_start}
    print(f"incidents in the database: {Incident.objects.count():,}")
    print(f"week: {week.start.isoformat()} → {week.end.isoformat()}")

    def bare() -> int:
        rows = 0
        with connection.cursor() as cursor:
            for sql in BARE:
                cursor.execute(sql, params)
                rows += len(cursor.fetchall())
        return rows

    def render_all() -> int:
        drafts = 0
        with translation.override("vi"):
            for digest in unit_digests(week):
                # bench units have no contacts: give each one, in memory, to render SMS + e-mail
                digest.unit.leader_phone = "+84900000000"
                digest.unit.leader_email = "leader@example.invalid"
                drafts += len(digest_drafts(digest))
        return drafts

    groups = len(digest_counts(week))
    digests = unit_digests(week)
    city = max(digests, key=lambda d: d.total.received)
    print(
        f"groups (unit × field × ward): {groups:,}; units: {len(digests)}; "
        f"largest digest: {city.unit.code} received {city.total.received:,}, "
        f"resolved {city.total.resolved:,}, still overdue {city.total.overdue:,}"
    )
    print(f"{'case':52} {'median ms':>10} {'p95 ms':>8} {'× bare':>7}")
    base, base_p95 = timed(bare, opts.runs)
    print(f"{'bare aggregate SQL (2 grouped queries)':52} {base:10.1f} {base_p95:8.1f} {1.0:7.2f}")
    cases = [
        ("digest numbers, all units (digest_counts)", lambda: digest_counts(week)),
        ("digests, all units, rolled up the unit tree", lambda: unit_digests(week)),
        ("digests + SMS + e-mail (HTML, CSV), all units", render_all),
    ]
    for name, fn in cases:
        median, p95 = timed(fn, opts.runs)
        print(f"{name:52} {median:10.1f} {p95:8.1f} {median / base:7.2f}")


if __name__ == "__main__":
    main()
