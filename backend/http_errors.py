"""Refusals made before any view runs, each API in its own error format.

- 404 for URLs that match no route (Django's handler404, used when DEBUG is off).
- 400 for a path or query string carrying a NUL character: PostgreSQL text cannot hold one, so
  every lookup with it would fail with a server error; refused here, once, for every view.

`/api/…` gets `{code, message, details}`, `/open311/…` the GeoReport error list (XML when the
path ends in `.xml`, else JSON), anything else Django's page or a plain 400.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found

from backend.common.errors import error_body
from backend.open311.renderers import error_response


def error_for(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse | None:
    path = request.path
    if path.startswith("/api/"):
        return JsonResponse(error_body(code, message), status=status)
    if path.startswith("/open311/"):
        return error_response("xml" if path.endswith(".xml") else "json", status, [message])
    return None


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    answer = error_for(request, 404, "not_found", _("Không tìm thấy."))
    return answer or page_not_found(request, exception or Exception())


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            message = _("Yêu cầu chứa ký tự NUL không hợp lệ.")
            return error_for(request, 400, "invalid", message) or HttpResponseBadRequest()
        return self.get_response(request)
