"""The public map's indexes: its street zooms read the published reports cell by cell
(`incident_published_cell`, keyed by the z13 cell and id: the expressions of
`geo.tiles.cell_key_sql`, frozen here; tests/portal/test_tiles.py checks the tile query is
answered by it), its period filter reads them by creation time (`incident_published_created`).
The id-ordered index they replace is dropped by 0020, once both exist.

Built CONCURRENTLY (non-atomic migration): on a city's history this takes minutes and must not
block reports being filed (docs/DEPLOYMENT.md, zero-downtime migrations). A build that was
interrupted leaves an INVALID index behind: the cell index is dropped first, so running the
migration again builds it again instead of keeping the invalid one.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models

CELL_INDEX = """
CREATE INDEX CONCURRENTLY incident_published_cell ON "incidents_incident" (
    (floor((ST_X("location") + 180) / 360 * 8192)::int),
    (floor((1 - asinh(tan(radians(ST_Y("location")))) / pi()) / 2 * 8192)::int),
    "id"
) INCLUDE ("location", "status", "category_id", "ward_id", "created_at")
WHERE "is_public" AND "merged_into_id" IS NULL
"""
DROP_CELL_INDEX = "DROP INDEX CONCURRENTLY IF EXISTS incident_published_cell"


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("incidents", "0018_merge_open_location_partial"),
    ]

    operations = [
        migrations.RunSQL(DROP_CELL_INDEX, reverse_sql=migrations.RunSQL.noop),
        migrations.RunSQL(CELL_INDEX, reverse_sql=DROP_CELL_INDEX),
        AddIndexConcurrently(
            model_name="incident",
            index=models.Index(
                condition=models.Q(("is_public", True), ("merged_into__isnull", True)),
                fields=["created_at"],
                include=("location", "status", "category", "ward"),
                name="incident_published_created",
            ),
        ),
    ]
