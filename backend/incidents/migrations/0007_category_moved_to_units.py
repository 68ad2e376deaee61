"""Categories now live in `units` (state only: same table, same rows, same foreign keys)."""

from django.db import migrations, models


def content_type_to_units(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="incidents", model="category").update(app_label="units")


def content_type_to_incidents(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="units", model="category").update(app_label="incidents")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("incidents", "0006_text_search_indexes"),
        ("units", "0003_category"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="incident",
                    name="category",
                    field=models.ForeignKey(on_delete=models.deletion.PROTECT, related_name="incidents", to="units.category"),
                ),
                migrations.DeleteModel(name="Category"),
            ],
        ),
        # admin permissions granted on categories keep working under the new app label
        migrations.RunPython(content_type_to_units, content_type_to_incidents),
    ]
