"""Who needs a second factor (TOTP, django-otp), and the one place that enforces it.

STAFF_2FA_REQUIRED_ROLES (default supervisor, admin; superusers count as admin) lists the roles
that must sign in with a TOTP code. Any other staff member may enrol; once enrolled, the code is
asked at every sign-in (backend/staff/sign_in.py). A session of a user who needs the second
factor but has not given it reaches only the sign-in pages: pages redirect to the code (or the
enrolment) page, APIs answer 403 `second_factor_required`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django_otp import user_has_device

from backend.common.errors import error_body
from backend.units.selectors import staff_scope

# reachable without the second factor: signing in and out (and the old addresses that redirect
# there), the language switch, static files
OPEN_PREFIXES = (
    "/staff/login/",
    "/staff/logout/",
    "/login/",
    "/logout/",
    "/i18n/",
    "/static/",
    "/healthz",
)


def second_factor_required(user: Any) -> bool:
    required = set(settings.STAFF_2FA_REQUIRED_ROLES)
    if not required or user is None or not user.is_authenticated:
        return False
    scope = staff_scope(user)
    return bool(set(scope.global_roles) & required) or any(
        roles & required for roles in scope.roles_by_unit.values()
    )


def second_factor_missing(request: HttpRequest) -> bool:
    user = request.user
    return second_factor_required(user) and not user.is_verified()  # type: ignore[union-attr]


def second_factor_answer(request: HttpRequest) -> HttpResponse:
    if request.path.startswith(("/api/", "/open311/")):
        body = error_body(
            "second_factor_required", _("Cần xác thực hai lớp: đăng nhập lại với mã TOTP.")
        )
        return JsonResponse(body, status=403)
    enrolled = user_has_device(request.user)
    return redirect("staff-sign-in-code" if enrolled else "staff-two-factor-setup")


class SecondFactorMiddleware:
    """After OTPMiddleware: a session without its required second factor goes no further."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.STAFF_2FA_REQUIRED_ROLES
            and not request.path.startswith(OPEN_PREFIXES)
            and second_factor_missing(request)
        ):
            return second_factor_answer(request)
        return self.get_response(request)
