"""The id-ordered public map index is dropped once 0019's indexes exist (a failed 0019 leaves
it in place for the map)."""

from django.contrib.postgres.operations import RemoveIndexConcurrently
from django.db import migrations


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("incidents", "0019_published_cell_index"),
    ]

    operations = [
        RemoveIndexConcurrently(model_name="incident", name="incident_published_newest"),
    ]
