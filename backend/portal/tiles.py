"""GET /api/public/v1/tiles/{z}/{x}/{y}.mvt — the public map's vector tiles (layer `reports`).

Published reports only (`incidents.selectors.portal`), and of each only its point, `status`,
`field` (category id) and `ref` (the reference its page lives at): no names, phones, text or
notes. z ≥ 12: one point per report, at most POINT_LIMIT per tile (the newest: what one request
returns is capped; up to CELL_ZOOM read cell by cell, the tiles holding a large share of the
city); below: counts per cell (`n`). A plain Django view (no DRF wrapping: dozens of
tiles per pan), cacheable by anyone for TILE_MAX_AGE seconds.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe

from backend.common.errors import DomainError, error_body
from backend.common.replicas import reads_from_replica
from backend.incidents.selectors.portal import (
    CELL_ZOOM,
    PortalFilters,
    portal_grid_rows,
    portal_live_rows,
    portal_point_rows,
)
from geo import tiles

from .filters import portal_filters

MVT_MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
LAYER = "reports"
POINT_MIN_ZOOM = 12
POINT_LIMIT = 1_000  # per tile: a denser street shows its newest thousand
MIN_ZOOM = 8  # below: the whole country in a tile, nothing to see of one city
TILE_MAX_AGE = 60
POINT_FEATURES: dict[str, Any] = {
    "layer": LAYER,
    "attributes": ("status", "field", "ref"),
    "limit": POINT_LIMIT,
}


def public_tile_body(filters: PortalFilters, *, z: int, x: int, y: int) -> bytes:
    if z > CELL_ZOOM:
        return tiles.point_tile(portal_point_rows(filters, z=z), z=z, x=x, y=y, **POINT_FEATURES)
    if z >= POINT_MIN_ZOOM:
        return tiles.cell_point_tile(
            portal_point_rows(filters, z=z), z=z, x=x, y=y, cell_zoom=CELL_ZOOM, **POINT_FEATURES
        )
    if summed := portal_grid_rows(filters):
        counts, hidden = summed
        return tiles.summed_grid_tile(counts, z=z, x=x, y=y, layer=LAYER, points=hidden)
    return tiles.grid_tile(portal_live_rows(filters), z=z, x=x, y=y, layer=LAYER)


@reads_from_replica
@require_safe
def public_tile(request: HttpRequest, z: int, x: int, y: int) -> HttpResponse:
    try:
        tiles.tile_bounds(z, x, y)
    except tiles.InvalidTile:
        raise Http404 from None
    try:
        filters = portal_filters(request.GET)
    except DomainError as error:
        return JsonResponse(error_body(error.code, error.message, error.details), status=400)
    body = b"" if z < MIN_ZOOM else public_tile_body(filters, z=z, x=x, y=y)
    response = HttpResponse(body, content_type=MVT_MEDIA_TYPE)
    response["Cache-Control"] = f"public, max-age={TILE_MAX_AGE}"
    return response
