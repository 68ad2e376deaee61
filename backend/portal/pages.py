"""The residents' pages: server-rendered shells in Vietnamese first, data through the public API."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from backend.common.language import vietnamese_unless_chosen

from .front_door import staff_link_target


@ensure_csrf_cookie
def home(request: HttpRequest) -> HttpResponse:
    """/: the public map. A staff link of the old front door (/?incident=…) goes to /staff/."""
    staff_link = staff_link_target(request)
    if staff_link is not None:
        return HttpResponsePermanentRedirect(staff_link)
    vietnamese_unless_chosen(request)
    return render(request, "portal/home.html", {})
