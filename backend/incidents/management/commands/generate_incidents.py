"""Bulk-generate synthetic incidents for benchmarks: one INSERT … SELECT generate_series.

    manage.py generate_incidents --count 2000000     # ~2 years of history, all wards
    manage.py generate_incidents --drop              # remove every generated row (GEN-…)

Rows are spread over the last 730 days, over all wards (--points-per-ward random points inside
each ward, from geo.selectors.sample_points) and all categories; ~8% are still open (some
overdue), the rest resolved/closed with ~15% late. Deadlines are created_at + 5 calendar days
(no working-day arithmetic: 2M calls would take too long); no history rows are written.
The map's counts follow through the incidents table's triggers, batch by batch (each committed
batch stays counted): their cost grows with the rows written (~6 % of an INSERT of 250,000 rows),
while switching them off and rebuilding grows with the whole table (docs/PERFORMANCE.md).
For benchmarks only — never in production.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction

from backend.incidents.models import Incident
from backend.units.models import Category, Unit, UnitKind
from geo.points import make_point
from geo.selectors import sample_points

PREFIX = "GEN-"

INSERT = """
INSERT INTO {table} (reference, channel, category_id, description, address, location,
    location_source, ward_id, unit_id, status, due_at, resolved_at, closed_at, is_late, is_public,
    version, idempotency_key, idempotency_fingerprint, created_at, updated_at)
SELECT %(prefix)s || lpad(g::text, 9, '0'), 'mobile',
       (%(categories)s::bigint[])[1 + (g * 7919) %% %(n_categories)s],
       'Phản ánh mẫu số ' || g, '', w.location, 'device', w.ward_id, w.unit_id,
       CASE WHEN r.open THEN (ARRAY['new','received','assigned','in_progress'])[1 + g %% 4]
            WHEN g %% 20 = 0 THEN 'rejected' WHEN g %% 3 = 0 THEN 'resolved' ELSE 'closed' END,
       r.created + interval '5 days',
       CASE WHEN NOT r.open AND g %% 20 <> 0 THEN r.created + r.took END,
       CASE WHEN NOT r.open AND g %% 20 <> 0 AND g %% 3 <> 0 THEN r.created + r.took END,
       CASE WHEN NOT r.open AND g %% 20 <> 0 THEN r.took > interval '5 days' END,
       true, 1, '', '', r.created, r.created
FROM generate_series(%(offset)s + 1::bigint, %(offset)s + %(count)s) AS g
CROSS JOIN LATERAL (
    SELECT now() - (random() * interval '730 days') AS created,
           random() < 0.08 AS open,
           random() * interval '6 days' AS took,
           1 + (g * 104729) %% %(n_points)s AS point_index
) AS r
JOIN _gen_points w ON w.idx = r.point_index
"""


class Command(BaseCommand):
    help = "Sinh phản ánh mẫu hàng loạt / Bulk-generate synthetic incidents (benchmarks only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=100_000)
        parser.add_argument("--batch", type=int, default=250_000)
        parser.add_argument("--drop", action="store_true", help="delete generated incidents")
        parser.add_argument("--points-per-ward", type=int, default=200)

    def handle(self, *args: Any, **opts: Any) -> None:
        table = Incident._meta.db_table
        started = time.monotonic()
        if opts["drop"]:
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {table} WHERE reference LIKE %s", [PREFIX + "%"])
                self.stdout.write(f"deleted {cursor.rowcount} generated incidents")
            return
        points = self._points(opts["points_per_ward"])
        categories = list(Category.objects.values_list("pk", flat=True))
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {table} WHERE reference LIKE %s", [PREFIX + "%"])
            offset = cursor.fetchone()[0]
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE IF NOT EXISTS _gen_points (idx int PRIMARY KEY, "
                "ward_id bigint, unit_id bigint, location geometry(Point, 4326))"
            )
            cursor.execute("TRUNCATE _gen_points")
            cursor.executemany(
                "INSERT INTO _gen_points VALUES (%s, %s, %s, %s::geometry)",
                [
                    (i + 1, w, u, bytes(make_point(x, y).ewkb))
                    for i, (w, u, x, y) in enumerate(points)
                ],
            )
        done = 0
        while done < opts["count"]:
            n = min(opts["batch"], opts["count"] - done)
            with transaction.atomic(), connection.cursor() as cursor:
                params = {
                    "prefix": PREFIX,
                    "offset": offset + done,
                    "categories": categories,
                    "n_categories": len(categories),
                    "n_points": len(points),
                    "count": n,
                }
                cursor.execute(INSERT.format(table=table), params)
            done += n
            self.stdout.write(f"  {done:>10,} rows  {time.monotonic() - started:6.1f} s")
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
        self.stdout.write(f"generated {done:,} incidents in {time.monotonic() - started:.1f} s")

    def _points(self, per_ward: int) -> list[tuple[int, int | None, float, float]]:
        units = dict(
            Unit.objects.filter(kind=UnitKind.WARD_COMMITTEE).values_list("areas__pk", "pk")
        )
        return [(area, units.get(area), x, y) for area, x, y in sample_points(per_area=per_ward)]
