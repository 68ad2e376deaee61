"""The public map's indexes: its street zooms read the published reports cell by cell
(`incident_published_cell`, keyed by the z13 cell and id), its period filter reads them by
creation time (`incident_published_created`); the id-ordered index they replace is dropped.

Built CONCURRENTLY (non-atomic migration): on a city's history this takes minutes and must not
block reports being filed (docs/DEPLOYMENT.md, zero-downtime migrations).
"""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models

from backend.incidents.selectors.portal import published_cell_index_sql


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("incidents", "0018_merge_open_location_partial"),
    ]

    operations = [
        migrations.RunSQL(
            published_cell_index_sql(),
            reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS incident_published_cell",
        ),
        AddIndexConcurrently(
            model_name="incident",
            index=models.Index(
                condition=models.Q(("is_public", True), ("merged_into__isnull", True)),
                fields=["created_at"],
                include=("location", "status", "category", "ward"),
                name="incident_published_created",
            ),
        ),
        RemoveIndexConcurrently(model_name="incident", name="incident_published_newest"),
    ]
