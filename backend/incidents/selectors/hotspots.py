"""Hotspots of a dashboard scope: the scope's reports (as the dashboard sees them) handed to
`geo.hotspots` as SQL, by the day they were filed, optionally of one field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F

from backend.units.models import Category
from geo.hotspots import Hotspot, hotspots
from geo.tiles import Rows

from .dashboard import DashboardScope, scoped_incidents


def scope_hotspots(
    *,
    user: Any,
    scope: DashboardScope,
    start: dt.datetime,
    end: dt.datetime,
    field: str = "",
    cell_m: float = 200.0,
    min_count: int = 3,
    limit: int = 100,
) -> list[Hotspot]:
    """Cells where the scope's reports filed in [start, end) repeat (`DashboardForbidden` as
    the dashboard), each with the count of the period before."""
    incidents = scoped_incidents(user, scope)
    if field:
        ids = list(Category.objects.filter(field=field).values_list("pk", flat=True))
        incidents = incidents.filter(category_id__in=ids)
    sql, params = (
        incidents.order_by()
        .annotate(geom=F("location"), at=F("created_at"))
        .values("geom", "at")
        .query.sql_with_params()
    )
    return hotspots(
        Rows(select=sql, params=tuple(params)),
        start=start,
        end=end,
        cell_m=cell_m,
        min_count=min_count,
        limit=limit,
    )
