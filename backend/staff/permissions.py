"""Who may use the staff API at all: signed-in members of a unit, supervisors and admins."""

from typing import Any

from rest_framework import authentication, permissions

from backend.units.selectors import staff_scope

AUTHENTICATION: list[type[authentication.BaseAuthentication]] = [
    authentication.SessionAuthentication
]


class IsStaffMember(permissions.BasePermission):
    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(request.user and staff_scope(request.user).is_staff)


PERMISSIONS = [permissions.IsAuthenticated, IsStaffMember]
