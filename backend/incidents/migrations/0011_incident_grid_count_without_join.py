"""The map counts' trigger function without a join of the UPDATE's transition tables.

0010's function joined an UPDATE's old and new rows to skip the unchanged ones; with no
statistics on transition tables the planner chose a nested loop, and a 250,000-row UPDATE ran
for over 39 minutes. This text counts each old row -1 and each new row +1 (unchanged rows cancel
exactly in numeric sums and write nothing): linear, ~50 µs per changed row. Frozen as
`backend.incidents.grid.trigger_function_sql()` generated it; the triggers stay as 0010 made
them. The counts are unchanged by the switch: nothing to rebuild.
"""

from importlib import import_module

from django.db import migrations

BODY = r"""
BEGIN
    PERFORM pg_advisory_xact_lock_shared(270690049);
    IF TG_OP = 'INSERT' THEN
    INSERT INTO incidents_incidentgridcount AS g (cell_z, cell_x, cell_y, status, category_id, unit_id, ward_id, is_overdue, n, sum_lon, sum_lat)
    SELECT l.z, f.cx >> (15 - l.z), f.cy >> (15 - l.z), f.status, f.category_id,
           f.unit_id, f.ward_id, f.flag, sum(f.n)::int, sum(f.sum_lon)::float8,
           sum(f.sum_lat)::float8
    FROM (
        SELECT d.cx, d.cy, d.status, d.category_id, d.unit_id, d.ward_id, d.flag,
               sum(d.sign) AS n, sum(d.sign * d.lon::numeric) AS sum_lon,
               sum(d.sign * d.lat::numeric) AS sum_lat
        FROM (
        SELECT floor((ST_X(i.location) + 180) / 360 * 32768)::int AS cx, floor((1 - asinh(tan(radians(ST_Y(i.location)))) / pi()) / 2 * 32768)::int AS cy, i.status, i.category_id, i.unit_id, i.ward_id,
               COALESCE(i.status = ANY(ARRAY['new', 'received', 'assigned', 'in_progress', 'transferred', 'reopened']::text[]) AND i.due_at < w.at, false) AS flag, ST_X(i.location) AS lon, ST_Y(i.location) AS lat, i.sign
        FROM (SELECT incident_grid_new.location, incident_grid_new.status, incident_grid_new.category_id, incident_grid_new.unit_id, incident_grid_new.ward_id, incident_grid_new.due_at, 1 FROM incident_grid_new) AS i (location, status, category_id, unit_id, ward_id, due_at, sign), (SELECT COALESCE((SELECT overdue_as_of FROM incidents_incidentgridstate ORDER BY id LIMIT 1), '-infinity') AS at) AS w) AS d
        GROUP BY 1, 2, 3, 4, 5, 6, 7
    ) AS f CROSS JOIN unnest('{12,13,14,15}'::int[]) AS l(z)
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
    HAVING sum(f.n) <> 0 OR sum(f.sum_lon) <> 0 OR sum(f.sum_lat) <> 0
    ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
    ON CONFLICT ON CONSTRAINT incident_grid_key DO UPDATE
    SET n = g.n + EXCLUDED.n, sum_lon = g.sum_lon + EXCLUDED.sum_lon,
        sum_lat = g.sum_lat + EXCLUDED.sum_lat;
    ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO incidents_incidentgridcount AS g (cell_z, cell_x, cell_y, status, category_id, unit_id, ward_id, is_overdue, n, sum_lon, sum_lat)
    SELECT l.z, f.cx >> (15 - l.z), f.cy >> (15 - l.z), f.status, f.category_id,
           f.unit_id, f.ward_id, f.flag, sum(f.n)::int, sum(f.sum_lon)::float8,
           sum(f.sum_lat)::float8
    FROM (
        SELECT d.cx, d.cy, d.status, d.category_id, d.unit_id, d.ward_id, d.flag,
               sum(d.sign) AS n, sum(d.sign * d.lon::numeric) AS sum_lon,
               sum(d.sign * d.lat::numeric) AS sum_lat
        FROM (
        SELECT floor((ST_X(i.location) + 180) / 360 * 32768)::int AS cx, floor((1 - asinh(tan(radians(ST_Y(i.location)))) / pi()) / 2 * 32768)::int AS cy, i.status, i.category_id, i.unit_id, i.ward_id,
               COALESCE(i.status = ANY(ARRAY['new', 'received', 'assigned', 'in_progress', 'transferred', 'reopened']::text[]) AND i.due_at < w.at, false) AS flag, ST_X(i.location) AS lon, ST_Y(i.location) AS lat, i.sign
        FROM (SELECT incident_grid_old.location, incident_grid_old.status, incident_grid_old.category_id, incident_grid_old.unit_id, incident_grid_old.ward_id, incident_grid_old.due_at, -1 FROM incident_grid_old) AS i (location, status, category_id, unit_id, ward_id, due_at, sign), (SELECT COALESCE((SELECT overdue_as_of FROM incidents_incidentgridstate ORDER BY id LIMIT 1), '-infinity') AS at) AS w) AS d
        GROUP BY 1, 2, 3, 4, 5, 6, 7
    ) AS f CROSS JOIN unnest('{12,13,14,15}'::int[]) AS l(z)
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
    HAVING sum(f.n) <> 0 OR sum(f.sum_lon) <> 0 OR sum(f.sum_lat) <> 0
    ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
    ON CONFLICT ON CONSTRAINT incident_grid_key DO UPDATE
    SET n = g.n + EXCLUDED.n, sum_lon = g.sum_lon + EXCLUDED.sum_lon,
        sum_lat = g.sum_lat + EXCLUDED.sum_lat;
    ELSE
    INSERT INTO incidents_incidentgridcount AS g (cell_z, cell_x, cell_y, status, category_id, unit_id, ward_id, is_overdue, n, sum_lon, sum_lat)
    SELECT l.z, f.cx >> (15 - l.z), f.cy >> (15 - l.z), f.status, f.category_id,
           f.unit_id, f.ward_id, f.flag, sum(f.n)::int, sum(f.sum_lon)::float8,
           sum(f.sum_lat)::float8
    FROM (
        SELECT d.cx, d.cy, d.status, d.category_id, d.unit_id, d.ward_id, d.flag,
               sum(d.sign) AS n, sum(d.sign * d.lon::numeric) AS sum_lon,
               sum(d.sign * d.lat::numeric) AS sum_lat
        FROM (
        SELECT floor((ST_X(i.location) + 180) / 360 * 32768)::int AS cx, floor((1 - asinh(tan(radians(ST_Y(i.location)))) / pi()) / 2 * 32768)::int AS cy, i.status, i.category_id, i.unit_id, i.ward_id,
               COALESCE(i.status = ANY(ARRAY['new', 'received', 'assigned', 'in_progress', 'transferred', 'reopened']::text[]) AND i.due_at < w.at, false) AS flag, ST_X(i.location) AS lon, ST_Y(i.location) AS lat, i.sign
        FROM (SELECT incident_grid_old.location, incident_grid_old.status, incident_grid_old.category_id, incident_grid_old.unit_id, incident_grid_old.ward_id, incident_grid_old.due_at, -1 FROM incident_grid_old UNION ALL SELECT incident_grid_new.location, incident_grid_new.status, incident_grid_new.category_id, incident_grid_new.unit_id, incident_grid_new.ward_id, incident_grid_new.due_at, 1 FROM incident_grid_new) AS i (location, status, category_id, unit_id, ward_id, due_at, sign), (SELECT COALESCE((SELECT overdue_as_of FROM incidents_incidentgridstate ORDER BY id LIMIT 1), '-infinity') AS at) AS w) AS d
        GROUP BY 1, 2, 3, 4, 5, 6, 7
    ) AS f CROSS JOIN unnest('{12,13,14,15}'::int[]) AS l(z)
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
    HAVING sum(f.n) <> 0 OR sum(f.sum_lon) <> 0 OR sum(f.sum_lat) <> 0
    ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
    ON CONFLICT ON CONSTRAINT incident_grid_key DO UPDATE
    SET n = g.n + EXCLUDED.n, sum_lon = g.sum_lon + EXCLUDED.sum_lon,
        sum_lat = g.sum_lat + EXCLUDED.sum_lat;
    END IF;
    RETURN NULL;
END
"""

PREVIOUS = import_module("backend.incidents.migrations.0010_incident_grid_trigger").BODY


def replace(body: str) -> str:
    return (
        "CREATE OR REPLACE FUNCTION incident_grid_count() RETURNS trigger LANGUAGE plpgsql"
        f" AS $body${body}$body$"
    )


class Migration(migrations.Migration):

    dependencies = [
        ("incidents", "0010_incident_grid_trigger"),
    ]

    operations = [migrations.RunSQL(replace(BODY), replace(PREVIOUS))]
