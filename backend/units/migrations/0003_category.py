"""Categories move from `incidents` to `units`, the home of handling's reference data.

State only: the table `incidents_category` stays where it is until 0004 renames it, so no row
moves and foreign keys keep pointing at the same table.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("units", "0002_routing_sla_calendar"),
        ("incidents", "0006_text_search_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Category",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("code", models.SlugField(max_length=64, unique=True, verbose_name="mã")),
                        ("field", models.CharField(max_length=64, verbose_name="nhóm lĩnh vực")),
                        ("name", models.CharField(max_length=200, verbose_name="tên")),
                        ("name_en", models.CharField(max_length=200, verbose_name="tên tiếng Anh")),
                        ("icon", models.CharField(blank=True, max_length=64, verbose_name="biểu tượng")),
                        ("is_active", models.BooleanField(default=True, verbose_name="đang dùng")),
                        ("sort_order", models.PositiveSmallIntegerField(default=0, verbose_name="thứ tự")),
                    ],
                    options={
                        "verbose_name": "lĩnh vực",
                        "verbose_name_plural": "lĩnh vực",
                        "ordering": ["sort_order", "code"],
                        "db_table": "incidents_category",
                    },
                ),
                migrations.AlterField(
                    model_name="routingrule",
                    name="category",
                    field=models.ForeignKey(on_delete=models.deletion.CASCADE, related_name="routing_rules", to="units.category", verbose_name="lĩnh vực"),
                ),
                migrations.AlterField(
                    model_name="slapolicy",
                    name="category",
                    field=models.ForeignKey(on_delete=models.deletion.CASCADE, related_name="sla_policies", to="units.category", verbose_name="lĩnh vực"),
                ),
            ],
        ),
    ]
