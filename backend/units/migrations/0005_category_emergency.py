"""Categories configured as urgent, and the deadline of an emergency in hours."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('units', '0004_category_table'),
    ]

    operations = [
        migrations.AddField(
            model_name='category',
            name='emergency_hours',
            field=models.PositiveSmallIntegerField(default=4, help_text='thời hạn xử lý khi là tình huống khẩn cấp, tính theo giờ liên tục', verbose_name='thời hạn khẩn cấp (giờ)'),
        ),
        migrations.AddField(
            model_name='category',
            name='is_urgent',
            field=models.BooleanField(default=False, help_text='mọi phản ánh thuộc lĩnh vực này là tình huống khẩn cấp (cây đổ chắn đường…)', verbose_name='khẩn cấp'),
        ),
    ]
