"""Places callers name, kept by the database from the addresses of reports.

Place search read the trigram index of 2M report addresses and re-folded every candidate
(0.3 s for a common street); a table of distinct folded addresses is a few thousand rows per
district. Kept by triggers on incidents — whoever writes them, in the same statement: a
statement-level INSERT trigger (set-based over the transition table: one upsert per statement
for a bulk load) and a row-level UPDATE OF address, location trigger (the address or point of
a report corrected). A place keeps the name and point of its newest report and counts its
reports; deleting reports leaves their places (a place named once is still a place). The
trigram index on the folded addresses of incidents is dropped: nothing reads it any more and
every report paid for it.
"""

import django.contrib.gis.db.models.fields
import django.contrib.postgres.indexes
from django.db import migrations, models


UPSERT = """
INSERT INTO contact_place AS p (folded, name, location, seen_at, uses)
SELECT DISTINCT ON (f.folded) f.folded, f.name, f.location, f.created_at,
       count(*) OVER (PARTITION BY f.folded)
FROM (SELECT contact_fold(btrim(r.address)) AS folded, left(btrim(r.address), 500) AS name,
             r.location, r.created_at, r.id
      FROM {rows} AS r WHERE btrim(r.address) <> '' AND r.location IS NOT NULL) AS f
ORDER BY f.folded, f.created_at DESC, f.id DESC
ON CONFLICT (folded) DO UPDATE SET
    name = CASE WHEN EXCLUDED.seen_at >= p.seen_at THEN EXCLUDED.name ELSE p.name END,
    location = CASE WHEN EXCLUDED.seen_at >= p.seen_at THEN EXCLUDED.location ELSE p.location END,
    seen_at = GREATEST(p.seen_at, EXCLUDED.seen_at),
    uses = p.uses + EXCLUDED.uses
"""

FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION contact_place_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{UPSERT.format(rows="contact_place_new")};
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION contact_place_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{UPSERT.format(rows="(SELECT NEW.address, NEW.location, NEW.created_at, NEW.id)")
    .replace("AS r WHERE", "AS r (address, location, created_at, id) WHERE")};
    RETURN NULL;
END $$;
CREATE TRIGGER contact_place_insert AFTER INSERT ON incidents_incident
    REFERENCING NEW TABLE AS contact_place_new FOR EACH STATEMENT
    EXECUTE FUNCTION contact_place_inserted();
CREATE TRIGGER contact_place_update AFTER UPDATE OF address, location ON incidents_incident
    FOR EACH ROW WHEN (OLD.address IS DISTINCT FROM NEW.address
                       OR NOT OLD.location ~= NEW.location)
    EXECUTE FUNCTION contact_place_changed();
"""

DROP_FUNCTIONS = """
DROP TRIGGER IF EXISTS contact_place_insert ON incidents_incident;
DROP TRIGGER IF EXISTS contact_place_update ON incidents_incident;
DROP FUNCTION IF EXISTS contact_place_inserted();
DROP FUNCTION IF EXISTS contact_place_changed();
"""

ADDRESS_INDEX = """
CREATE INDEX CONCURRENTLY IF NOT EXISTS incident_address_fold_trgm ON incidents_incident
USING gin (contact_fold(address) gin_trgm_ops) WHERE address <> ''
"""


class Migration(migrations.Migration):
    atomic = False  # DROP INDEX CONCURRENTLY on the incidents table

    dependencies = [
        ('contact', '0005_article_search_text'),
    ]

    operations = [
        migrations.CreateModel(
            name='Place',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('folded', models.TextField(unique=True, verbose_name='địa chỉ (không dấu)')),
                ('name', models.CharField(max_length=500, verbose_name='địa chỉ')),
                ('location', django.contrib.gis.db.models.fields.PointField(srid=4326, verbose_name='vị trí')),
                ('seen_at', models.DateTimeField(verbose_name='phản ánh gần nhất')),
                ('uses', models.PositiveIntegerField(default=1, verbose_name='số phản ánh')),
            ],
            options={
                'verbose_name': 'địa điểm',
                'verbose_name_plural': 'địa điểm',
                'indexes': [django.contrib.postgres.indexes.GistIndex(django.contrib.postgres.indexes.OpClass('folded', name='gist_trgm_ops(siglen=64)'), name='place_folded_trgm')],
            },
        ),
        migrations.RunSQL(FUNCTIONS, DROP_FUNCTIONS),
        migrations.RunSQL(UPSERT.format(rows="incidents_incident"), "DELETE FROM contact_place"),
        migrations.RunSQL(
            "DROP INDEX CONCURRENTLY IF EXISTS incident_address_fold_trgm", ADDRESS_INDEX
        ),
    ]
