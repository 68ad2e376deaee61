"""/ was the staff map until the workspace moved under /staff/: its links still land there.

A staff link carried the map's filters or the incident to open in the query string
(`/?incident=42#map=16/10.77/106.70`): the server sends it on to /staff/ with the query, and the
browser keeps the fragment. A link with only the fragment (`/#map=…`) never reaches the server
with anything to tell it apart; the home page's first script sends it on (portal/home.html).
"""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

# the staff map's query keys: FILTER_NAMES in staff/map.js, and ?incident=
STAFF_MAP_KEYS = frozenset(
    {"incident", "status", "category", "unit", "overdue", "created_from", "created_to", "q"}
)


def staff_link_target(request: HttpRequest) -> str | None:
    """Where a staff link to the old front door belongs, or None for a resident's visit."""
    if STAFF_MAP_KEYS.isdisjoint(request.GET.keys()):
        return None
    return f"{reverse('staff-map')}?{request.META.get('QUERY_STRING', '')}"
