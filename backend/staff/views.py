"""Staff API v1: validate → one selector/service → serialize. Out-of-scope objects are 404."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.common.replicas import reads_from_replica
from backend.common.schema import errors
from backend.incidents.models import Incident
from backend.incidents.selectors.staff import (
    EmergenciesFirst,
    incident_detail,
    incident_list,
    incident_list_emergencies_first,
    incidents_visible_to,
)
from backend.incidents.services.abilities import allowed_actions
from backend.incidents.services.workflow import allowed_moves
from backend.notifications.demand import demand_of
from backend.units.selectors import staff_scope

from . import schema as sch
from . import serializers as s
from .permissions import AUTHENTICATION, PERMISSIONS

DEFAULT_PAGE_SIZE = int(str(settings.REST_FRAMEWORK["PAGE_SIZE"]))


class StaffView(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = PERMISSIONS


def validated(serializer_class: type[Any], data: Any) -> Any:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer


def visible_incident(request: Request, pk: int) -> Incident:
    try:
        return (
            incidents_visible_to(request.user).select_related("category", "unit", "ward").get(pk=pk)
        )
    except Incident.DoesNotExist:
        raise Http404 from None


def detail_response(request: Request, pk: int, status: int = 200) -> Response:
    try:
        incident = incident_detail(user=request.user, pk=pk)
    except Incident.DoesNotExist:
        raise Http404 from None
    moves = allowed_moves(actor=request.user, incident=incident)
    may_contact = staff_scope(request.user).may_contact(incident.unit_id)
    body = s.incident_detail(incident, allowed_moves=moves, may_contact=may_contact)
    body["demand"] = demand_of([incident.pk]).get(incident.pk, 1)
    body["allowed_actions"] = allowed_actions(actor=request.user, incident=incident)
    return Response(body, status=status)


def page_params(request: Request) -> tuple[int, int]:
    try:
        page = max(1, int(request.query_params.get("page", 1)))
        size = int(request.query_params.get("page_size", DEFAULT_PAGE_SIZE))
    except ValueError:
        page, size = 1, DEFAULT_PAGE_SIZE
    return page, max(1, min(size, settings.HOTLINE_PAGE_SIZE_MAX))


def paginate(request: Request, queryset: Any) -> tuple[list[Any], dict[str, Any]]:
    """Page-number pagination without COUNT(*): one extra row tells whether a next page exists."""
    page, size = page_params(request)
    rows = list(queryset[(page - 1) * size : page * size + 1])
    has_next = len(rows) > size

    def link(n: int) -> str:
        params = request.query_params.copy()
        params["page"] = str(n)
        return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")

    meta = {
        "page": page,
        "page_size": size,
        "next": link(page + 1) if has_next else None,
        "previous": link(page - 1) if page > 1 else None,
    }
    return rows[:size], meta


@reads_from_replica
class IncidentListView(StaffView):
    @extend_schema(
        operation_id="staff_incidents_list",
        parameters=sch.PAGE_PARAMETERS,
        responses={200: sch.StaffIncidentPageOut, **errors(400, 403)},
        tags=["staff: incidents"],
        summary="Danh sách phản ánh — your scope: open emergencies first, then newest first",
    )
    def get(self, request: Request) -> Response:
        filters = validated(s.FilterSerializer, request.query_params).to_filters()
        listed = incident_list(user=request.user, filters=filters).only(*s.ROW_FIELDS)
        rows, meta = paginate(request, EmergenciesFirst(listed))
        now = timezone.now()
        return Response({**meta, "results": [s.incident_row(i, now) for i in rows]})


@reads_from_replica
class IncidentGeoJSONView(StaffView):
    """The same list as GeoJSON features for the map (bbox + filters, paged)."""

    @extend_schema(
        operation_id="staff_incidents_geojson",
        parameters=sch.PAGE_PARAMETERS,
        responses={
            (200, "application/geo+json"): sch.StaffFeatureCollectionOut,
            **errors(400, 403),
        },
        tags=["staff: incidents"],
        summary="Danh sách dạng GeoJSON — the list as a FeatureCollection",
    )
    def get(self, request: Request) -> Response:
        filters = validated(s.FilterSerializer, request.query_params).to_filters()
        rows, meta = paginate(
            request, incident_list_emergencies_first(user=request.user, filters=filters)
        )
        now = timezone.now()
        features = []
        for incident in rows:
            props = s.incident_row(incident, now)
            location = props.pop("location")
            features.append(
                {
                    "type": "Feature",
                    "id": incident.pk,
                    "geometry": {
                        "type": "Point",
                        "coordinates": [location["lon"], location["lat"]],
                    },
                    "properties": props,
                }
            )
        body = {"type": "FeatureCollection", **meta, "features": features}
        return Response(body, content_type="application/geo+json")


class IncidentDetailView(StaffView):
    @extend_schema(
        operation_id="staff_incident_retrieve",
        responses={200: sch.StaffIncidentDetailOut, **errors(403, 404)},
        tags=["staff: incidents"],
        summary="Chi tiết phản ánh — one incident with history and directions",
    )
    def get(self, request: Request, pk: int) -> Response:
        return detail_response(request, pk)


class ReporterView(StaffView):
    """GET incidents/{id}/reporter — name and phone of the reporter, for roles that call back."""

    @extend_schema(
        responses={200: sch.StaffReporterOut, **errors(403, 404)},
        tags=["staff: incidents"],
        summary="Người phản ánh — reporter's name and phone (contact roles)",
    )
    def get(self, request: Request, pk: int) -> Response:
        incident = (
            incidents_visible_to(request.user).select_related("reporter").filter(pk=pk).first()
        )
        if incident is None:
            raise Http404
        if not staff_scope(request.user).may_contact(incident.unit_id):
            raise PermissionDenied
        reporter: Any = incident.reporter
        if reporter is None:
            return Response({"name": None, "phone": None})
        return Response({"name": reporter.get_full_name() or None, "phone": reporter.phone or None})
