"""Staff API v1: what the action forms offer before anything is written — the units an incident
may be transferred to, and where a moved point would land (ward and unit re-derived)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from backend.common.schema import errors
from backend.incidents.services.handling import transfer_targets_of
from backend.units.models import Unit, UnitKind
from backend.units.routing import unit_for
from backend.units.selectors import staff_scope
from geo.locate import ward_at
from geo.selectors import neighbour_area_ids

from . import schema as sch
from . import serializers as s
from .views import StaffView, validated, visible_incident

NEIGHBOURS = _("Phường/xã giáp ranh")
# the city's own offices first, then departments, police, utilities, last the ward committees
KIND_ORDER = [
    UnitKind.CITY_OFFICE,
    UnitKind.DEPARTMENT,
    UnitKind.POLICE,
    UnitKind.UTILITY,
    UnitKind.OTHER,
    UnitKind.WARD_COMMITTEE,
]


class TransferTargetsView(StaffView):
    @extend_schema(
        responses={200: sch.StaffTransferTargetOut(many=True), **errors(403, 404)},
        tags=["staff: directory"],
        summary="Đơn vị nhận chuyển — the units this incident may be transferred to",
    )
    def get(self, request: Request, pk: int) -> Response:
        """Active units of the incident's city (parent chain, siblings, departments) and the
        ward committees of its province; the same rule the transfer itself enforces. Order: the
        parent, the committees of the bordering wards (`group`), then by kind and name."""
        incident = visible_incident(request, pk)
        units = list(transfer_targets_of(incident))
        near = neighbour_area_ids(incident.ward_id) if incident.ward_id else set()
        links: Any = Unit.areas.through  # unit ↔ area ids only: no boundary is loaded
        neighbours = set(
            links.objects.filter(
                unit_id__in=[u.pk for u in units], adminarea_id__in=near
            ).values_list("unit_id", flat=True)
        )
        rank: dict[str, int] = {str(kind): i for i, kind in enumerate(KIND_ORDER)}
        parent_id = incident.unit.parent_id if incident.unit else None

        def order(u: Unit) -> tuple[bool, bool, int, str]:
            return (u.pk != parent_id, u.pk not in neighbours, rank.get(u.kind, 99), u.name)

        return Response(
            [
                {
                    "id": u.pk,
                    "code": u.code,
                    "name": s.local_name(u),
                    "kind": u.kind,
                    "kind_label": str(UnitKind(u.kind).label),
                    "group": str(NEIGHBOURS) if u.pk in neighbours else str(UnitKind(u.kind).label),
                    "parent_id": u.parent_id,
                }
                for u in sorted(units, key=order)
            ]
        )


class RelocationPreviewView(StaffView):
    @extend_schema(
        parameters=[
            OpenApiParameter("lat", float, required=True),
            OpenApiParameter("lon", float, required=True),
        ],
        responses={200: sch.StaffRelocationOut, **errors(400, 403, 404, 422)},
        tags=["staff: directory"],
        summary="Xem trước vị trí mới — the ward and unit a moved point would get",
    )
    def get(self, request: Request, pk: int) -> Response:
        """Nothing is written: shows the ward (422 outside the service area) and the unit that
        routing would pick for the incident's category there, before the move is saved."""
        incident = visible_incident(request, pk)
        point = validated(s.LocationSerializer, request.query_params).validated_data["location"]
        ward = ward_at(point)
        unit = unit_for(category=incident.category, ward=ward) if incident.category else None
        return Response(
            {
                "ward": {"id": ward.pk, "code": ward.code, "name": s.local_name(ward)},
                "unit": None
                if unit is None
                else {"id": unit.pk, "code": unit.code, "name": s.local_name(unit)},
                "unit_changes": unit is not None and unit.pk != incident.unit_id,
                "stays_in_scope": unit is None or staff_scope(request.user).sees_unit(unit.pk),
            }
        )
