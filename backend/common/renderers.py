"""The JSON renderer of every API: datetimes in one style, ISO 8601 with the local offset.

DRF's serializer fields already write `2026-03-01T08:15:30+07:00` (TIME_ZONE); datetimes put
into a response as they are (dicts built by views, JSON fields) went through DRF's encoder,
which writes UTC with `Z`. This encoder converts them to local time first, like the fields.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder


class LocalTimeEncoder(JSONEncoder):
    def default(self, obj: Any) -> Any:
        if isinstance(obj, dt.datetime) and timezone.is_aware(obj):
            return timezone.localtime(obj).isoformat()
        return super().default(obj)


class JSONRenderer(renderers.JSONRenderer):
    encoder_class = LocalTimeEncoder


class GeoJSONRenderer(JSONRenderer):
    """The same JSON for clients that ask for `application/geo+json` (RFC 7946)."""

    media_type = "application/geo+json"
    format = "geojson"
