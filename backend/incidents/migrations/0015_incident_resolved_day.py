"""Resolved incidents per (local day, unit), kept by triggers (IncidentResolvedDay).

Statement-level triggers with transition tables, like the map counts' (0010/0011): each old row
counts −1 and each new row +1 in one grouped upsert, so rows whose day, unit and lateness did not
change cancel and write nothing, and a bulk UPDATE stays linear. Days are Asia/Ho_Chi_Minh dates.
The table is filled from the incidents in force when this runs.
"""

from django.db import migrations, models

EVENTS = ("INSERT", "UPDATE", "DELETE")
LOCAL_DAY = "(t.resolved_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date"


def _side(table: str, sign: int) -> str:
    return (
        f"SELECT {LOCAL_DAY} AS day, t.unit_id, {sign} AS sign, "
        f"CASE WHEN t.is_late THEN 1 ELSE 0 END AS late FROM {table} t "
        "WHERE t.resolved_at IS NOT NULL"
    )


def _function(event: str) -> str:
    sides = []
    if event != "INSERT":
        sides.append(_side("incident_resolved_old", -1))
    if event != "DELETE":
        sides.append(_side("incident_resolved_new", 1))
    return f"""
CREATE OR REPLACE FUNCTION incident_resolved_{event.lower()}() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO incidents_incidentresolvedday AS r (day, unit_id, resolved, late)
    SELECT d.day, d.unit_id, sum(d.sign)::int, sum(d.sign * d.late)::int
    FROM ({" UNION ALL ".join(sides)}) AS d
    GROUP BY 1, 2
    HAVING sum(d.sign) <> 0 OR sum(d.sign * d.late) <> 0
    ORDER BY 1, 2
    ON CONFLICT ON CONSTRAINT incident_resolved_day_key DO UPDATE
    SET resolved = r.resolved + EXCLUDED.resolved, late = r.late + EXCLUDED.late;
    RETURN NULL;
END
$$;
"""


def _trigger(event: str) -> str:
    tables = {
        "INSERT": "NEW TABLE AS incident_resolved_new",
        "UPDATE": "OLD TABLE AS incident_resolved_old NEW TABLE AS incident_resolved_new",
        "DELETE": "OLD TABLE AS incident_resolved_old",
    }[event]
    return (
        f"CREATE TRIGGER incident_resolved_{event.lower()} AFTER {event} ON incidents_incident"
        f" REFERENCING {tables} FOR EACH STATEMENT"
        f" EXECUTE FUNCTION incident_resolved_{event.lower()}()"
    )


FUNCTIONS = [_function(e) for e in EVENTS]
TRIGGERS = [_trigger(e) for e in EVENTS]
BACKFILL = f"""
INSERT INTO incidents_incidentresolvedday (day, unit_id, resolved, late)
SELECT {LOCAL_DAY}, t.unit_id, count(*), count(*) FILTER (WHERE t.is_late)
FROM incidents_incident t WHERE t.resolved_at IS NOT NULL
GROUP BY 1, 2
"""


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0014_merge_public_map_and_emergencies"),
    ]

    operations = [
        migrations.CreateModel(
            name="IncidentResolvedDay",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("unit_id", models.BigIntegerField(null=True)),
                ("resolved", models.IntegerField(default=0)),
                ("late", models.IntegerField(default=0)),
            ],
            options={
                "indexes": [
                    models.Index(fields=["unit_id", "day"], name="incident_resolved_unit_day")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("day", "unit_id"),
                        name="incident_resolved_day_key",
                        nulls_distinct=False,
                    )
                ],
            },
        ),
        migrations.RunSQL(
            [*FUNCTIONS, *TRIGGERS, BACKFILL],
            [
                *(
                    f"DROP TRIGGER IF EXISTS incident_resolved_{e.lower()} ON incidents_incident"
                    for e in EVENTS
                ),
                *(f"DROP FUNCTION IF EXISTS incident_resolved_{e.lower()}()" for e in EVENTS),
            ],
        ),
    ]
