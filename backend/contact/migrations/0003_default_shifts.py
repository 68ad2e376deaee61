"""Three shifts a day by default (editable in the admin)."""

import datetime as dt

from django.db import migrations

SHIFTS = [
    ("Ca 1", dt.time(6, 0), dt.time(14, 0)),
    ("Ca 2", dt.time(14, 0), dt.time(22, 0)),
    ("Ca 3", dt.time(22, 0), dt.time(6, 0)),
]


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    shift = apps.get_model("contact", "Shift")
    for name, starts, ends in SHIFTS:
        shift.objects.get_or_create(name=name, defaults={"starts": starts, "ends": ends})


class Migration(migrations.Migration):
    dependencies = [("contact", "0002_search")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
