"""Search with or without Vietnamese diacritics ("ben thanh" finds "Bến Thành").

`contact_fold(text)`: lower-case, accents removed (unaccent, which also folds đ → d), marked
IMMUTABLE so that it can be indexed (unaccent itself is only STABLE: it reads its dictionary;
naming the dictionary pins it). Trigram GIN indexes on the folded knowledge-base text and on the
folded addresses of reports answer `LIKE '%…%'` per word. unaccent and pg_trgm are trusted
extensions (PostgreSQL ≥ 13): the database owner may create them.
"""

from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations

FOLD = """
CREATE OR REPLACE FUNCTION contact_fold(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$
"""

ARTICLE_INDEX = """
CREATE INDEX IF NOT EXISTS article_text_fold_trgm ON contact_knowledgearticle
USING gin (contact_fold(question || ' ' || keywords) gin_trgm_ops)
"""

ADDRESS_INDEX = """
CREATE INDEX CONCURRENTLY IF NOT EXISTS incident_address_fold_trgm ON incidents_incident
USING gin (contact_fold(address) gin_trgm_ops) WHERE address <> ''
"""


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY on the incidents table

    dependencies = [
        ("contact", "0001_contact_centre"),
        ("incidents", "0006_text_search_indexes"),
    ]

    operations = [
        UnaccentExtension(),
        TrigramExtension(),
        migrations.RunSQL(FOLD, "DROP FUNCTION IF EXISTS contact_fold(text)"),
        migrations.RunSQL(ARTICLE_INDEX, "DROP INDEX IF EXISTS article_text_fold_trgm"),
        migrations.RunSQL(ADDRESS_INDEX, "DROP INDEX IF EXISTS incident_address_fold_trgm"),
    ]
