"""GeoReport v2 parameters → domain filters and submit arguments (validation only)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import Point
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from rest_framework import serializers

from backend.common.fields import SlugLookupField
from backend.incidents.models import OPEN_STATUSES, Status
from backend.incidents.selectors.public import PublicFilters
from backend.units.models import Category
from backend.units.selectors import active_category
from geo.points import InvalidCoordinates, point_from

MAX_SPAN = dt.timedelta(days=90)
UNESCAPED_OFFSET = re.compile(r"(?<=:\d\d) (\d{2}:?\d{2})$")
# GeoReport v2 has two states; ours map onto them.
OPEN311_STATUSES: dict[str, tuple[str, ...]] = {
    "open": tuple(OPEN_STATUSES),
    "closed": (Status.RESOLVED, Status.CLOSED, Status.MERGED),
}


class BadRequest(serializers.ValidationError):
    """A 400 with one description per problem (each becomes one <error>)."""


def _csv(params: Any, name: str) -> list[str]:
    raw = params.get(name, "")
    return [part.strip() for part in str(raw).split(",") if part.strip()]


def parse_when(raw: str | None, name: str) -> dt.datetime | None:
    """ISO 8601 datetime (a missing offset means Asia/Ho_Chi_Minh) or date (local midnight)."""
    if not raw:
        return None
    raw = UNESCAPED_OFFSET.sub(r"+\1", raw.strip())  # "+07:00" unescaped arrives as " 07:00"
    try:
        value = parse_datetime(raw)
        day = None if value else parse_date(raw)
    except ValueError:
        value = day = None
    if value is None and day is not None:
        value = dt.datetime.combine(day, dt.time.min)
    if value is None:
        raise BadRequest({name: _("Cần thời điểm ISO 8601, ví dụ 2026-03-01T00:00:00+07:00.")})
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def _point(params: Any) -> Point | None:
    try:
        return point_from(params, lon="long", required=False)
    except InvalidCoordinates as exc:
        raise BadRequest(exc.details) from None


def _bbox(params: Any) -> tuple[float, float, float, float] | None:
    parts = _csv(params, "bbox")
    if not parts:
        return None
    try:
        box = tuple(float(p) for p in parts)
    except ValueError:
        box = ()
    if len(box) != 4 or box[0] >= box[2] or box[1] >= box[3]:
        raise BadRequest({"bbox": _("Cần min_long,min_lat,max_long,max_lat.")})
    return (box[0], box[1], box[2], box[3])


def _window(params: Any, now: dt.datetime) -> tuple[dt.datetime | None, dt.datetime | None]:
    """start_date/end_date: at most 90 days apart; neither (nor updated_*) → the last 90 days."""
    start = parse_when(params.get("start_date"), "start_date")
    end = parse_when(params.get("end_date"), "end_date")
    if start and end and end < start:
        raise BadRequest({"end_date": _("end_date phải sau start_date.")})
    if start and end and end - start > MAX_SPAN:
        raise BadRequest({"end_date": _("Khoảng thời gian tối đa 90 ngày.")})
    if start is None and end is None:
        if params.get("updated_after") or params.get("updated_before"):
            return None, None
        return now - MAX_SPAN, None
    if start is None:
        assert end is not None
        return end - MAX_SPAN, end
    return start, end or start + MAX_SPAN


def request_filters(params: Any, *, now: dt.datetime | None = None) -> PublicFilters:
    ids = _csv(params, "service_request_id")
    if ids:
        return PublicFilters(references=ids[: settings.OPEN311_MAX_PAGE_SIZE])
    statuses: list[str] = []
    for name in _csv(params, "status"):
        if name.lower() not in OPEN311_STATUSES:
            raise BadRequest({"status": _("status là open hoặc closed.")})
        statuses += OPEN311_STATUSES[name.lower()]
    start, end = _window(params, now or timezone.now())
    near = None
    point = _point(params)
    if point is not None:
        radius = params.get("radius") or settings.OPEN311_DEFAULT_RADIUS_M
        try:
            metres = float(radius)
        except ValueError:
            metres = -1.0
        if not 0 < metres <= settings.OPEN311_MAX_RADIUS_M:
            raise BadRequest(
                {
                    "radius": _("radius (mét) từ 1 đến %(max)s.")
                    % {"max": settings.OPEN311_MAX_RADIUS_M}
                }
            )
        near = (point.x, point.y, metres)
    return PublicFilters(
        categories=_csv(params, "service_code"),
        statuses=statuses,
        created_from=start,
        created_to=end,
        updated_from=parse_when(params.get("updated_after"), "updated_after"),
        updated_to=parse_when(params.get("updated_before"), "updated_before"),
        near=near,
        bbox=_bbox(params),
    )


def update_window(
    params: Any, *, now: dt.datetime | None = None
) -> tuple[dt.datetime, dt.datetime]:
    """The updates feed: start_date/end_date (≤ 90 days), default the last 24 hours."""
    now = now or timezone.now()
    start = parse_when(params.get("start_date"), "start_date")
    end = parse_when(params.get("end_date"), "end_date") or now
    start = start or end - dt.timedelta(days=1)
    if end < start or end - start > MAX_SPAN:
        raise BadRequest({"end_date": _("Khoảng thời gian tối đa 90 ngày.")})
    return start, end


@dataclass(frozen=True)
class Page:
    number: int
    size: int

    @property
    def bounds(self) -> tuple[int, int]:
        return (self.number - 1) * self.size, self.number * self.size


def page_from(params: Any) -> Page:
    """page/page_size (extension); without them the spec's limit of 1000 results."""
    top = settings.OPEN311_MAX_PAGE_SIZE
    try:
        number = int(params.get("page") or 1)
        size = int(params.get("page_size") or top)
    except ValueError:
        raise BadRequest({"page": _("page và page_size là số nguyên dương.")}) from None
    if number < 1 or size < 1:
        raise BadRequest({"page": _("page và page_size là số nguyên dương.")})
    return Page(number, min(size, top))


def is_true(params: Any, name: str) -> bool:
    return str(params.get(name, "")).lower() in {"true", "1", "yes"}


class RequestIn(serializers.Serializer):
    """POST requests: service_code, a location (lat+long, or address_string with a photo that
    carries GPS), description, attribute[…], media (extension: multipart files). Contact fields
    are accepted for compatibility but neither stored nor published."""

    jurisdiction_id = serializers.CharField(required=False, allow_blank=True, max_length=64)
    service_code = SlugLookupField(
        slug_field="code", queryset=Category.objects.filter(is_active=True), lookup=active_category
    )
    lat = serializers.CharField(required=False, allow_blank=True, max_length=32)
    long = serializers.CharField(required=False, allow_blank=True, max_length=32)
    address_string = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=500
    )
    address_id = serializers.CharField(required=False, allow_blank=True, max_length=64)
    description = serializers.CharField(max_length=4000)
    media_url = serializers.URLField(required=False, allow_blank=True, max_length=2000)
    media = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True),  # empty: `photo_empty`
        required=False,
        default=list,
        max_length=5,
    )
    email = serializers.EmailField(required=False, allow_blank=True)
    device_id = serializers.CharField(required=False, allow_blank=True, max_length=200)
    account_id = serializers.CharField(required=False, allow_blank=True, max_length=200)
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32)

    def validate_jurisdiction_id(self, value: str) -> str:
        if value and value != settings.OPEN311_JURISDICTION_ID:
            raise serializers.ValidationError(_("jurisdiction_id không đúng."))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        point = _point({"lat": attrs.get("lat"), "long": attrs.get("long")})
        if point is None and not attrs["address_string"]:
            raise serializers.ValidationError({"lat": _("Cần lat và long, hoặc address_string.")})
        return {
            "category": attrs["service_code"],
            "description": attrs["description"],
            "address": attrs["address_string"],
            "location": point,
            "photos": attrs["media"],
        }


def attribute_values(data: Any) -> dict[str, list[str]]:
    """attribute[code]=value (repeated for multivaluelist; `attribute[code][]` accepted too)."""
    values: dict[str, list[str]] = {}
    for key in data:
        if key.startswith("attribute[") and key.endswith("]"):
            code = key[len("attribute[") : -1].removesuffix("][")
            getter = getattr(data, "getlist", None)
            raw = getter(key) if getter else [data[key]]
            values.setdefault(code, []).extend(str(v) for v in raw)
    return values
