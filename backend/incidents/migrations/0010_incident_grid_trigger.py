"""The map's counts per cell kept by the database: three statement-level triggers on incidents.

Every INSERT, UPDATE and DELETE of incidents — whoever sends it — moves the counts
(IncidentGridCount) in the same statement, set-based over the statement's transition tables;
the write services no longer call anything for it (backend/incidents/grid.py).

The function's text is frozen here as `backend.incidents.grid.trigger_function_sql()` generated
it from geo.tiles' cell helpers when this migration was written: later changes to those
helpers do not change what this migration installs. tests/incidents/test_grid_trigger.py checks
that the installed function is still what grid.py generates; when it is not, write a new
migration with the new text and rebuild the counts. The counts themselves were already kept by
the services, so nothing is recomputed here (`manage.py rebuild_incident_grid` if in doubt).
"""

from django.db import migrations

BODY = r"""
BEGIN
    PERFORM pg_advisory_xact_lock_shared(270690049);
    IF TG_OP = 'INSERT' THEN
    INSERT INTO incidents_incidentgridcount AS g (cell_z, cell_x, cell_y, status, category_id, unit_id, ward_id, is_overdue, n, sum_lon, sum_lat)
    SELECT l.z, f.cx >> (15 - l.z), f.cy >> (15 - l.z), f.status, f.category_id,
           f.unit_id, f.ward_id, f.flag, sum(f.n)::int, sum(f.sum_lon), sum(f.sum_lat)
    FROM (
        SELECT d.cx, d.cy, d.status, d.category_id, d.unit_id, d.ward_id, d.flag,
               sum(d.sign) AS n, sum(d.sign * d.lon) AS sum_lon, sum(d.sign * d.lat) AS sum_lat
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
           f.unit_id, f.ward_id, f.flag, sum(f.n)::int, sum(f.sum_lon), sum(f.sum_lat)
    FROM (
        SELECT d.cx, d.cy, d.status, d.category_id, d.unit_id, d.ward_id, d.flag,
               sum(d.sign) AS n, sum(d.sign * d.lon) AS sum_lon, sum(d.sign * d.lat) AS sum_lat
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
           f.unit_id, f.ward_id, f.flag, sum(f.n)::int, sum(f.sum_lon), sum(f.sum_lat)
    FROM (
        SELECT d.cx, d.cy, d.status, d.category_id, d.unit_id, d.ward_id, d.flag,
               sum(d.sign) AS n, sum(d.sign * d.lon) AS sum_lon, sum(d.sign * d.lat) AS sum_lat
        FROM (
        SELECT floor((ST_X(i.location) + 180) / 360 * 32768)::int AS cx, floor((1 - asinh(tan(radians(ST_Y(i.location)))) / pi()) / 2 * 32768)::int AS cy, i.status, i.category_id, i.unit_id, i.ward_id,
               COALESCE(i.status = ANY(ARRAY['new', 'received', 'assigned', 'in_progress', 'transferred', 'reopened']::text[]) AND i.due_at < w.at, false) AS flag, ST_X(i.location) AS lon, ST_Y(i.location) AS lat, i.sign
        FROM (
        SELECT s.* FROM incident_grid_old AS o JOIN incident_grid_new AS n ON n.id = o.id
        CROSS JOIN LATERAL (VALUES (o.location, o.status, o.category_id, o.unit_id, o.ward_id, o.due_at, -1),
                                   (n.location, n.status, n.category_id, n.unit_id, n.ward_id, n.due_at, 1)) AS s
        WHERE (o.location, o.status, o.category_id, o.unit_id, o.ward_id, o.due_at)
              IS DISTINCT FROM (n.location, n.status, n.category_id, n.unit_id, n.ward_id, n.due_at)) AS i (location, status, category_id, unit_id, ward_id, due_at, sign), (SELECT COALESCE((SELECT overdue_as_of FROM incidents_incidentgridstate ORDER BY id LIMIT 1), '-infinity') AS at) AS w) AS d
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

FORWARD = [
    f"CREATE FUNCTION incident_grid_count() RETURNS trigger LANGUAGE plpgsql AS $body${BODY}$body$",
    *(
        f"CREATE TRIGGER incident_grid_{event.lower()} AFTER {event} ON incidents_incident"
        f" REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION incident_grid_count()"
        for event, tables in [
            ("INSERT", "NEW TABLE AS incident_grid_new"),
            ("UPDATE", "OLD TABLE AS incident_grid_old NEW TABLE AS incident_grid_new"),
            ("DELETE", "OLD TABLE AS incident_grid_old"),
        ]
    ),
]
BACKWARD = [
    *(
        f"DROP TRIGGER incident_grid_{event} ON incidents_incident"
        for event in ("insert", "update", "delete")
    ),
    "DROP FUNCTION incident_grid_count()",
]


class Migration(migrations.Migration):

    dependencies = [
        ("incidents", "0009_incident_emergency"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
