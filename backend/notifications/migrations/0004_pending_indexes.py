# Partial indexes for the recovery sweep (backend/notifications/recovery.py): it looks for pending
# rows every minute; pending rows are few, the tables are large. Built CONCURRENTLY: no lock on
# writes while it builds.

from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('incidents', '0007_category_moved_to_units'),
        ('notifications', '0003_notices_job_errors'),
        ('units', '0004_category_table'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrently(
            model_name='delivery',
            index=models.Index(condition=models.Q(('status', 'pending')), fields=['updated_at'], name='delivery_pending_updated'),
        ),
        AddIndexConcurrently(
            model_name='notice',
            index=models.Index(condition=models.Q(('status', 'pending')), fields=['updated_at'], name='notice_pending_updated'),
        ),
    ]
