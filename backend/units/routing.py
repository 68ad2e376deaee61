"""Which unit handles a report: ordered routing rules, falling back to the ward's own unit."""

from __future__ import annotations

from geo.models import AdminArea

from backend.incidents.models import Category

from .models import Unit, UnitKind


def unit_for(*, category: Category, ward: AdminArea) -> Unit | None:
    """The unit responsible for `category` in `ward`; None when no unit covers the ward."""
    return (
        Unit.objects.filter(areas=ward, kind=UnitKind.WARD_COMMITTEE, is_active=True)
        .order_by("code")
        .first()
    )
