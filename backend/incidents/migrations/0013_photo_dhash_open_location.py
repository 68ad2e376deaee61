"""The photo's perceptual hash (duplicate candidates) and the open incidents' places ("already
reported?"), the index built without locking the table (CONCURRENTLY)."""

from django.contrib.postgres.indexes import GistIndex
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("incidents", "0012_channels_messaging"),
        ("units", "0006_category_duplicate_window"),
    ]

    operations = [
        migrations.AddField(
            model_name="incidentphoto",
            name="dhash",
            field=models.BigIntegerField(blank=True, null=True, verbose_name="mã băm cảm nhận"),
        ),
        AddIndexConcurrently(
            model_name="incident",
            index=GistIndex(
                condition=models.Q(
                    status__in=(
                        "new",
                        "received",
                        "assigned",
                        "in_progress",
                        "transferred",
                        "reopened",
                    )
                ),
                fields=["location"],
                name="incident_open_location",
            ),
        ),
    ]
