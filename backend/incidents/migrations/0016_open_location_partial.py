"""The open incidents' places as the partial index it was meant to be: declared with
fields=["location"], Django's PostGIS schema editor wrote a plain spatial index and dropped the
`WHERE open` condition (0013); as an expression it keeps it. Rebuilt without locking the table."""

from django.contrib.postgres.indexes import GistIndex
from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models

OPEN = ("new", "received", "assigned", "in_progress", "transferred", "reopened")


class Migration(migrations.Migration):
    atomic = False  # CREATE / DROP INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("incidents", "0015_merge_duplicates"),
    ]

    operations = [
        RemoveIndexConcurrently(model_name="incident", name="incident_open_location"),
        AddIndexConcurrently(
            model_name="incident",
            index=GistIndex(
                models.F("location"),
                condition=models.Q(status__in=OPEN),
                name="incident_open_location",
            ),
        ),
    ]
