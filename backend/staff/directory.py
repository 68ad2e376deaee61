"""Staff API v1: who am I, and which units and members I can pick."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from backend.common.schema import errors
from backend.units.models import Role, Unit
from backend.units.selectors import staff_scope, unit_members, units_visible_to

from . import schema as sch
from .serializers import local_name
from .views import StaffView


class MeView(StaffView):
    @extend_schema(
        responses={200: sch.StaffMeOut, **errors(403)},
        tags=["staff: directory"],
        summary="Tôi là ai — roles and units in scope",
    )
    def get(self, request: Request) -> Response:
        scope = staff_scope(request.user)
        user: Any = request.user
        return Response(
            {
                "id": user.pk,
                "username": user.get_username(),
                "name": user.get_full_name(),
                "is_global": scope.is_global,
                "roles": sorted(scope.roles),
                "unit_ids": sorted(scope.unit_ids),
            }
        )


class UnitListView(StaffView):
    @extend_schema(
        responses={200: sch.StaffUnitOut(many=True), **errors(403)},
        tags=["staff: directory"],
        summary="Đơn vị — every active unit",
    )
    def get(self, request: Request) -> Response:
        """Every active unit (any of them can receive a transfer); `in_scope` marks your own."""
        scope = staff_scope(request.user)
        units = Unit.objects.filter(is_active=True).order_by("code")
        return Response(
            [
                {
                    "id": u.pk,
                    "code": u.code,
                    "name": local_name(u),
                    "kind": u.kind,
                    "parent_id": u.parent_id,
                    "in_scope": scope.sees_unit(u.pk),
                }
                for u in units
            ]
        )


class UnitMembersView(StaffView):
    @extend_schema(
        responses={200: sch.StaffMemberOut(many=True), **errors(403, 404)},
        tags=["staff: directory"],
        summary="Cán bộ của đơn vị — members of a unit in scope",
    )
    def get(self, request: Request, pk: int) -> Response:
        unit = units_visible_to(request.user).filter(pk=pk).first()
        if unit is None:
            raise Http404
        return Response(
            [
                {
                    "user": {"id": m.user_id, "name": m.user.get_full_name() or m.user.username},
                    "role": m.role,
                    "role_label": str(Role(m.role).label) if m.role in Role.values else m.role,
                }
                for m in unit_members(unit=unit)
            ]
        )
