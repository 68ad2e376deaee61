"""Staff text search (`q`) is served by indexes, not by reading every incident."""

from __future__ import annotations

import pytest
from django.db import connection

from backend.incidents.models import Incident
from backend.incidents.selectors.staff import IncidentFilters, apply_filters
from tests.incidents.factories import make_incident

pytestmark = pytest.mark.django_db


def test_text_search_matches_reference_description_and_address_in_any_case() -> None:
    pothole = make_incident(category="road-damage", description="Ổ gà lớn giữa đường")
    flooded = make_incident(description="Ngập nước", address="12 Đường Nguyễn Huệ")
    other = make_incident(description="Rác tồn đọng")

    def found(q: str) -> set[int]:
        rows = apply_filters(Incident.objects.all(), IncidentFilters(q=q))
        return set(rows.values_list("pk", flat=True)) & {pothole.pk, flooded.pk, other.pk}

    assert found("ổ GÀ") == {pothole.pk}
    assert found("nguyễn huệ") == {flooded.pk}
    assert found(pothole.reference.lower()) == {pothole.pk}


def test_every_branch_of_the_text_search_can_use_its_index() -> None:
    # The indexes are on the very expressions Django writes for iexact / icontains
    # (UPPER(col) = / LIKE UPPER(…)); if either side changes, the planner can no longer use
    # them and a supervisor's search reads every incident (18.7 s at 2M rows, see
    # docs/PERFORMANCE.md). With sequential scans priced out, all three must appear.
    rows = apply_filters(Incident.objects.all(), IncidentFilters(q="mẫu số 1234567"))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = rows.values("pk").explain()
    for index in ("incident_reference_upper", "incident_text_trgm", "incident_address_trgm"):
        assert index in plan, plan
