"""Indexes for the staff text search, built without locking the table (CONCURRENTLY).

pg_trgm is a trusted extension (PostgreSQL ≥ 13): the database owner may create it. On a large
table each index takes minutes; reads and writes go on meanwhile.
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.operations import AddIndexConcurrently, TrigramExtension
from django.db import migrations, models
from django.db.models.functions import Upper


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("incidents", "0005_map_tile_indexes"),
    ]

    operations = [
        TrigramExtension(),
        AddIndexConcurrently(
            model_name="incident",
            index=models.Index(Upper("reference"), name="incident_reference_upper"),
        ),
        AddIndexConcurrently(
            model_name="incident",
            index=GinIndex(
                OpClass(Upper("description"), name="gin_trgm_ops"), name="incident_text_trgm"
            ),
        ),
        AddIndexConcurrently(
            model_name="incident",
            index=GinIndex(
                OpClass(Upper("address"), name="gin_trgm_ops"), name="incident_address_trgm"
            ),
        ),
        # statistics of the new expressions: without them the planner guesses 0.5 % of rows
        # match any text and walks the newest-first index through the whole table instead
        migrations.RunSQL("ANALYZE incidents_incident", migrations.RunSQL.noop),
    ]
