"""Who may use the console API: signed-in operators (of any unit) and city supervisors/admins."""

from typing import Any

from rest_framework import authentication, permissions

from .selectors import is_operator

AUTHENTICATION: list[type[authentication.BaseAuthentication]] = [
    authentication.SessionAuthentication
]


class IsOperator(permissions.BasePermission):
    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(request.user and is_operator(request.user))


PERMISSIONS = [permissions.IsAuthenticated, IsOperator]
