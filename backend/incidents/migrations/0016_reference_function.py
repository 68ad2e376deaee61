"""incident_next_reference(year): the next number of the year's reference sequence, created on
first use. Two first users racing: CREATE SEQUENCE IF NOT EXISTS can still fail on the catalog's
unique index, so the function retries once (the other creator has committed by then)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION incident_next_reference(year integer) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    name text := format('incident_reference_%s', lpad(year::text, 4, '0'));
BEGIN
    RETURN nextval(name::regclass);
EXCEPTION WHEN undefined_table THEN
    BEGIN
        EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I', name);
    EXCEPTION WHEN unique_violation OR duplicate_table THEN
        NULL;  -- created by a concurrent transaction just now
    END;
    RETURN nextval(name::regclass);
END
$$;
"""

DROP = "DROP FUNCTION IF EXISTS incident_next_reference(integer);"


class Migration(migrations.Migration):
    dependencies = [("incidents", "0015_merge_duplicates")]

    operations = [migrations.RunSQL(CREATE, DROP)]
