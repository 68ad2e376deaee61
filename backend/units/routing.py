"""Which unit handles a report: ordered routing rules, falling back to the ward's own unit.

Rules are (category, optional area) → unit, tried by priority; the first match wins. An area
matches the ward itself or any area containing it (the city), so a city-wide rule is written once.
"""

from __future__ import annotations

from django.db.models import Q

from backend.incidents.models import Category
from geo.locate import area_info
from geo.models import AdminArea

from .models import RoutingRule, Unit, UnitKind


def ward_unit(*, ward: AdminArea) -> Unit | None:
    """The ward/commune People's Committee covering `ward` (the fallback of every route)."""
    return (
        Unit.objects.filter(areas=ward, kind=UnitKind.WARD_COMMITTEE, is_active=True)
        .order_by("code")
        .first()
    )


def unit_for(*, category: Category, ward: AdminArea) -> Unit | None:
    """The unit responsible for `category` in `ward`; None when no rule and no unit covers it."""
    info = area_info(ward.pk)
    area_ids = [a.id for a in info.chain] if info else [ward.pk]
    rule = (
        RoutingRule.objects.filter(category=category, is_active=True, unit__is_active=True)
        .filter(Q(area__isnull=True) | Q(area_id__in=area_ids))
        .select_related("unit")
        .order_by("priority", "id")
        .first()
    )
    if rule is not None:
        return rule.unit
    return ward_unit(ward=ward)
