"""404 for URLs that match no route: each API answers in its own error format, pages in HTML.

Django's handler404 (used when DEBUG is off) — the URL resolver found nothing, so no API view
could answer. `/api/…` gets `{code, message, details}`, `/open311/…` the GeoReport error list
(XML when the path ends in `.xml`, else JSON), anything else Django's page.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found

from backend.common.errors import error_body
from backend.open311.renderers import error_response


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    path = request.path
    if path.startswith("/api/"):
        return JsonResponse(error_body("not_found", _("Không tìm thấy.")), status=404)
    if path.startswith("/open311/"):
        fmt = "xml" if path.endswith(".xml") else "json"
        return error_response(fmt, 404, [_("Không tìm thấy.")])
    return page_not_found(request, exception or Exception())
