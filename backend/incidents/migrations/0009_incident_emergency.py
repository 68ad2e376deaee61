"""The emergency lane: `is_emergency`, `emergency_at`, and a partial index for the sweep.

Adding a column with a constant default is instant (PostgreSQL ≥ 11, no table rewrite); the
index is built CONCURRENTLY so that reads and writes go on over a large table.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("incidents", "0008_idempotency_fingerprint"),
        ("units", "0005_category_emergency"),
    ]

    operations = [
        migrations.AddField(
            model_name="incident",
            name="emergency_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="báo khẩn cấp lúc"),
        ),
        migrations.AddField(
            model_name="incident",
            name="is_emergency",
            field=models.BooleanField(db_default=False, default=False, verbose_name="khẩn cấp"),
        ),
        AddIndexConcurrently(
            model_name="incident",
            index=models.Index(
                condition=models.Q(("is_emergency", True), ("status", "new")),
                fields=["emergency_at"],
                name="incident_emergency_new",
            ),
        ),
    ]
