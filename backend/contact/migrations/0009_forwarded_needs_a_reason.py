"""Forwarded (to another hotline, the police, a utility) closes a contact with a reason: to whom."""


from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('contact', '0008_article_search_gist'),
        ('incidents', '0013_open_emergency_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='contact',
            name='contact_closing_has_reason',
        ),
        migrations.AddConstraint(
            model_name='contact',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('outcome__in', ('forwarded', 'out_of_scope', 'not_reachable', 'prank')), _negated=True), models.Q(('reason', ''), _negated=True), _connector='OR'), name='contact_closing_has_reason'),
        ),
    ]
