from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("units", "0003_category"),
        ("incidents", "0007_category_moved_to_units"),
    ]

    operations = [
        migrations.AlterModelTable(name="category", table=None),
    ]
