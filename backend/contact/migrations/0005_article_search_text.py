"""Knowledge-base search on a stored folded column: the trigram index moves onto it."""

import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('contact', '0004_triage_inbox'),
    ]

    operations = [
        migrations.AddField(
            model_name='knowledgearticle',
            name='search_text',
            field=models.GeneratedField(db_persist=True, expression=models.Func(django.db.models.functions.text.Concat('question', models.Value(' '), 'keywords', output_field=models.TextField()), function='contact_fold', output_field=models.TextField()), output_field=models.TextField()),
        ),
        migrations.RunSQL(
            "DROP INDEX IF EXISTS article_text_fold_trgm;"
            " CREATE INDEX article_search_trgm ON contact_knowledgearticle"
            " USING gin (search_text gin_trgm_ops)",
            "DROP INDEX IF EXISTS article_search_trgm",
        ),
    ]
