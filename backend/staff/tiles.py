"""Staff API v1 for the map page: incident tiles (MVT) and the map token that fetches them.

Tiles carry exactly the list's rows: the same filters (`FilterSerializer`) on the same scope,
written as SQL once (`incidents.selectors.map_rows`); geo.tiles only adds the tile box and
writes the ST_AsMVT SQL.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from backend.common.renderers import JSONRenderer
from backend.common.replicas import reads_from_replica
from backend.common.schema import errors
from backend.incidents.selectors import map_rows
from backend.incidents.selectors.staff import (
    IncidentFilters,
)
from backend.units.selectors import staff_scope
from geo import tiles

from . import map_tokens
from . import schema as sch
from . import serializers as s
from .views import StaffView, validated

MVT_MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
LAYER = "incidents"
POINT_MIN_ZOOM = 12  # below: counts per grid cell; from here on: one feature per incident
# per tile (≈ 100 KB): a denser tile shows the newest 5,000 (a stable sample), the list shows
# all; more points than this cannot be told apart on a 512-px tile anyway
POINT_LIMIT = 5_000
TILE_MAX_AGE = 15  # seconds; tiles are per user (private) and change with every action


class MVTRenderer(BaseRenderer):
    media_type = MVT_MEDIA_TYPE
    format = "mvt"
    charset = None

    def render(
        self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None
    ) -> bytes:
        return data if isinstance(data, bytes) else json.dumps(data, default=str).encode()


class IncidentTileView(StaffView):
    """GET tiles/{z}/{x}/{y}.mvt — layer `incidents`.

    z ≥ 12: one point per incident (`id`, `status`, `overdue`, `emergency`); below: one point
    per grid cell (`n` incidents, `overdue`, `open` counts), summed from the pre-aggregated counts
    (`IncidentGridCount`) unless a filter needs the rows (text, dates, assignee). Same query
    parameters as the list.
    """

    # Routed through `incident_tile`, which serves the tiles itself and hands this view every
    # request that is not a tile (refusals, errors, other methods); it also documents the API.
    renderer_classes = [MVTRenderer, JSONRenderer]
    authentication_classes = [
        map_tokens.MapTokenAuthentication,
        *StaffView.authentication_classes,
    ]

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(response, Response):  # errors (400/403/404) keep the API's JSON body
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        operation_id="staff_tile",
        parameters=[sch.FilterSerializer],
        responses={
            (200, MVT_MEDIA_TYPE): sch.file_response(
                MVT_MEDIA_TYPE, "Mapbox Vector Tile, layer `incidents`"
            ),
            **errors(400, 403, 404),
        },
        tags=["staff: map"],
        summary="Ô bản đồ vector — incidents as a vector tile",
    )
    def get(self, request: Request, z: int, x: int, y: int) -> HttpResponse:
        try:
            tiles.tile_bounds(z, x, y)
        except tiles.InvalidTile:
            raise Http404 from None
        filters = validated(s.FilterSerializer, request.query_params).to_filters()
        return tile_response(tile_body(request.user, filters, z=z, x=x, y=y))


def tile_body(user: Any, filters: IncidentFilters, *, z: int, x: int, y: int) -> bytes:
    """The tile of what `user` sees with `filters`: one SQL statement (plus SET LOCAL jit).

    Rows and counts are the SQL of `map_rows`; below zoom 12, filters the counts are not keyed
    by (text, dates, assignee, bbox) are counted live from the rows.
    """
    now = timezone.now()
    if z >= POINT_MIN_ZOOM:
        return tiles.point_tile(
            map_rows.point_rows(user=user, filters=filters, now=now),
            z=z,
            x=x,
            y=y,
            layer=LAYER,
            attributes=("status", "overdue", "emergency"),
            limit=POINT_LIMIT,
        )
    if summed := map_rows.grid_rows(user=user, filters=filters, now=now):
        counts, fell_due = summed
        return tiles.summed_grid_tile(
            counts, z=z, x=x, y=y, layer=LAYER, sums=("overdue", "open"), points=fell_due
        )
    rows = map_rows.live_rows(user=user, filters=filters, now=now)
    return tiles.grid_tile(rows, z=z, x=x, y=y, layer=LAYER, flags=("overdue", "open"), cells=16)


def tile_response(body: bytes) -> HttpResponse:
    response = HttpResponse(body, content_type=MVT_MEDIA_TYPE)
    response["Cache-Control"] = f"private, max-age={TILE_MAX_AGE}"
    return response


_drf_tile_view = IncidentTileView.as_view()


@functools.lru_cache(maxsize=1024)
def tile_filters(query_string: str) -> IncidentFilters | None:
    """The validated filters of a tile URL's query string, None if invalid (`FilterSerializer`).

    Every tile of a map view has the same query string: validated once, not per tile (DRF
    builds and deep-copies the serializer's fields each time, ≈ 0.1 ms). Validation reads
    nothing but the string; the result is shared: use `tile_filters_for`.
    """
    serializer = s.FilterSerializer(data=QueryDict(query_string))
    return serializer.to_filters() if serializer.is_valid() else None


def tile_filters_for(query_string: str) -> IncidentFilters | None:
    """`tile_filters`, with list fields of its own: a caller cannot change the cached copy."""
    cached = tile_filters(query_string)
    if cached is None:
        return None
    return dataclasses.replace(
        cached,
        status=[*cached.status],
        category=[*cached.category],
        ward=[*cached.ward],
        unit=[*cached.unit],
    )


@reads_from_replica
@csrf_exempt  # as DRF's views: the fallback enforces CSRF for unsafe methods itself
def incident_tile(request: HttpRequest, z: int, x: int, y: int) -> HttpResponse:
    """GET tiles/{z}/{x}/{y}.mvt without DRF: the map asks for dozens of tiles per pan, and DRF's
    request wrapping, negotiation and checks cost ≈ 0.2 ms of CPU per tile (docs/PERFORMANCE.md).

    Served here only when the outcome is a tile: a GET/HEAD by the holder of a valid map token
    (`X-Map-Token`, what the map page sends), or else by a signed-in, active staff member (the
    session user of AuthenticationMiddleware — what DRF's SessionAuthentication returns — and
    `IsStaffMember`'s scope check), with a valid tile and valid filters (`FilterSerializer`).
    Anything else (anonymous, non-staff, bad tile or filter, other methods) goes to
    `IncidentTileView`, which answers exactly as before (403/404/400/405 with the API's JSON).
    """
    # a valid map token stands for its holder without touching the session (map_tokens)
    holder = map_tokens.holder(request.headers.get(map_tokens.HEADER))
    user: Any = holder or request.user
    if (
        request.method in ("GET", "HEAD")
        and user.is_authenticated
        and user.is_active
        and staff_scope(user).is_staff  # memoised on the user: the fallback reuses it
    ):
        try:
            tiles.tile_bounds(z, x, y)
        except tiles.InvalidTile:
            return _drf_tile_view(request, z=z, x=x, y=y)
        filters = tile_filters_for(request.META.get("QUERY_STRING", ""))
        if filters is not None:
            response = tile_response(tile_body(user, filters, z=z, x=x, y=y))
            if holder is not None:  # no session read, so no `Vary: Cookie`: vary on the token
                patch_vary_headers(response, [map_tokens.HEADER])
            return response
    return _drf_tile_view(request, z=z, x=x, y=y)


# the API docs (drf-spectacular) keep describing the endpoint from IncidentTileView
incident_tile.cls = IncidentTileView  # type: ignore[attr-defined]
incident_tile.initkwargs = {}  # type: ignore[attr-defined]


class MapTokenView(StaffView):
    """GET map/token — a fresh map token for the tiles (`X-Map-Token`, see map_tokens)."""

    @extend_schema(
        responses={200: sch.StaffMapTokenOut, **errors(403)},
        tags=["staff: map"],
        summary="Mã bản đồ — a signed token for the tiles",
    )
    def get(self, request: Request) -> Response:
        response = Response(map_tokens.issue(request.user))
        response["Cache-Control"] = "no-store"
        return response
