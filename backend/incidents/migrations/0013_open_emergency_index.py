"""Open emergencies on top of every staff list: a partial index of the few open emergencies,
newest first, built without blocking writes."""

from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('geo', '0003_area_assignment'),
        ('incidents', '0012_channels_messaging'),
        ('units', '0005_category_emergency'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrently(
            model_name='incident',
            index=models.Index(models.OrderBy(models.F('created_at'), descending=True), condition=models.Q(('is_emergency', True), ('status__in', ('new', 'received', 'assigned', 'in_progress', 'transferred', 'reopened'))), name='incident_open_emergency'),
        ),
    ]
