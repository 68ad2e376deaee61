"""The database (or another part we depend on) is down: 503 + Retry-After, never a 500.

A client must be able to tell "retry later" from "bug". Every interface answers a fault of the
infrastructure in its own error format with `Retry-After`: the APIs through
`errors.exception_handler`, Open311 in its own view, everything else (staff pages, admin) through
`DatabaseUnavailableMiddleware` — JSON under /api/, a plain page elsewhere — and `server_error`
(handler500) catches what fails outside a view, e.g. in another middleware.
"""

from __future__ import annotations

import sys
from typing import Any

import psycopg
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.defaults import server_error as django_server_error

UNAVAILABLE_CODE = "service_unavailable"
UNAVAILABLE_MESSAGE: Any = _("Hệ thống đang tạm gián đoạn, vui lòng thử lại sau ít phút.")
_FAULTS = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)


def is_unavailable(exc: BaseException | None) -> bool:
    """A lost or refused database connection, here or wrapped by a library (procrastinate wraps
    psycopg's errors when a job is deferred)."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, _FAULTS):
            return True
        exc = exc.__cause__  # explicit wrapping only: not an error raised while handling one
        seen += 1
    return False


def retry_after() -> str:
    return str(settings.UNAVAILABLE_RETRY_AFTER_SECONDS)


def json_unavailable() -> JsonResponse:
    body = {"code": UNAVAILABLE_CODE, "message": str(UNAVAILABLE_MESSAGE), "details": {}}
    response = JsonResponse(
        body,
        status=503,
        json_dumps_params={"ensure_ascii": False},
    )
    response["Retry-After"] = retry_after()
    return response


def page_unavailable(request: HttpRequest) -> HttpResponse:
    """A page that needs nothing but the template: no database, no session. In the language the
    visitor chose (cookie) or their browser asks for: a view may have switched it already."""
    with translation.override(translation.get_language_from_request(request)):
        body = render_to_string("common/unavailable.html", {"retry_after": retry_after()})
    response = HttpResponse(body, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = retry_after()
    return response


def unavailable_response(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/") or "json" in request.headers.get("Accept", ""):
        return json_unavailable()
    return page_unavailable(request)


class DatabaseUnavailableMiddleware:
    """First in MIDDLEWARE: a view that lost the database answers 503 instead of 500."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response: HttpResponse = self.get_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return unavailable_response(request) if is_unavailable(exception) else None


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: what failed outside a view (another middleware) may still be a fault."""
    if is_unavailable(sys.exc_info()[1]):
        return unavailable_response(request)
    return django_server_error(request)
