"""Emergency notice kinds (choices only)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0004_pending_indexes'),
    ]

    operations = [
        migrations.AlterField(
            model_name='notice',
            name='kind',
            field=models.CharField(choices=[('reminder', 'Nhắc hạn xử lý'), ('overdue', 'Cảnh báo quá hạn'), ('escalation', 'Báo cáo cấp trên'), ('digest', 'Báo cáo tuần'), ('emergency', 'Báo động khẩn cấp'), ('emergency_up', 'Khẩn cấp chưa tiếp nhận: báo cấp trên')], max_length=16, verbose_name='loại'),
        ),
    ]
