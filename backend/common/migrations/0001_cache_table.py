"""The table of Django's DatabaseCache (CACHES in backend/settings/base.py): throttle counters
shared by every web process, kept in PostgreSQL so the default set-up needs no other server.
The same DDL `manage.py createcachetable` writes; created whatever CACHES says, so switching
between Redis and the database cache needs no extra step."""

from django.db import migrations

TABLE = "hotline_cache"


class Migration(migrations.Migration):
    initial = True
    dependencies: list[tuple[str, str]] = []

    operations = [
        migrations.RunSQL(
            sql=[
                f'CREATE TABLE IF NOT EXISTS "{TABLE}" ('
                '"cache_key" varchar(255) NOT NULL PRIMARY KEY, '
                '"value" text NOT NULL, '
                '"expires" timestamp with time zone NOT NULL)',
                f'CREATE INDEX IF NOT EXISTS "{TABLE}_expires" ON "{TABLE}" ("expires")',
            ],
            reverse_sql=[f'DROP TABLE IF EXISTS "{TABLE}"'],
        ),
    ]
