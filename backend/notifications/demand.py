"""How many residents care about a report (demand), and merging that keeps them told.

Demand of a report = the distinct residents among its reporter, its followers ("follow this one
instead") and the reporters of the reports merged into it; a report filed without an account
(a caller without a number, say) counts as one resident of its own. Shown to staff (detail
panel, duplicate candidates) and in the public "already reported?" answer: a count, no person.

`report_merge` closes a duplicate through the incidents' merge service and, in the same
transaction, makes the duplicate's reporter and followers followers of the master: they get the
master's updates from then on, and count in its demand.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction

from backend.incidents.models import Incident
from backend.incidents.services.handling import incident_merge

from .models import Follow


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def demand_of(incident_ids: Iterable[int]) -> dict[int, int]:
    """{incident id: residents who care} for each id (one query; unknown ids → absent)."""
    ids = sorted(set(incident_ids))
    if not ids:
        return {}
    incidents, follows = _table(Incident), _table(Follow)
    sql = f"""
        SELECT master, count(DISTINCT person) + count(DISTINCT report) FILTER (WHERE person IS NULL)
        FROM (
            SELECT id AS master, reporter_id AS person, id AS report
              FROM {incidents} WHERE id = ANY(%s)
            UNION ALL
            SELECT merged_into_id, reporter_id, id
              FROM {incidents} WHERE merged_into_id = ANY(%s)
            UNION ALL
            SELECT incident_id, user_id, NULL FROM {follows} WHERE incident_id = ANY(%s)
        ) people
        GROUP BY master
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [ids, ids, ids])
        return {master: n for master, n in cursor.fetchall()}


def report_merge(
    *,
    actor: Any,
    incident: Incident,
    master: Incident,
    note: str = "",
    note_public: bool = False,
    expected_version: int | None = None,
) -> Incident:
    """Close `incident` as a duplicate of `master` (rules: `handling.incident_merge`) and carry
    its reporter and followers over to `master` as followers, all or nothing."""
    with transaction.atomic():
        merged = incident_merge(
            actor=actor,
            incident=incident,
            master=master,
            note=note,
            note_public=note_public,
            expected_version=expected_version,
        )
        people = set(Follow.objects.filter(incident=incident).values_list("user_id", flat=True))
        if incident.reporter_id is not None:
            people.add(incident.reporter_id)
        people.discard(master.reporter_id)  # the master's reporter hears of it anyway
        Follow.objects.bulk_create(
            [Follow(incident=master, user_id=user_id) for user_id in sorted(people)],
            ignore_conflicts=True,  # already following: nothing to add
        )
    return merged
