"""Old staff addresses (before the workspace moved under /staff/) answer a permanent redirect.

GET and HEAD get 301; any other method 308, so a form posted to an old address (e.g. sign-out)
arrives at the new one with its method and body. The query string goes along; the browser keeps
the fragment (`#map=…`) itself.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt


class PermanentRedirectKeepingMethod(HttpResponsePermanentRedirect):
    status_code = 308


def moved_to(url_name: str) -> Callable[[HttpRequest], HttpResponse]:
    @csrf_exempt  # nothing happens here; the target checks the token
    def view(request: HttpRequest) -> HttpResponse:
        target = reverse(url_name)
        query = request.META.get("QUERY_STRING", "")
        if query:
            target = f"{target}?{query}"
        if request.method in ("GET", "HEAD"):
            return HttpResponsePermanentRedirect(target)
        return PermanentRedirectKeepingMethod(target)

    return view
