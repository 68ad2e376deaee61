"""Staff API shapes: filter input, action inputs, list rows, detail. No rules, no writes."""

from __future__ import annotations

import math
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from backend.incidents.models import EventKind, Incident, Status
from backend.incidents.selectors.staff import IncidentFilters
from backend.incidents.selectors.work import WORK_QUEUES
from geo.points import coordinate_out, point_from


@extend_schema_field({"type": "string", "description": "ids, comma-separated: `1,2,3`"})
class IntListField(serializers.Field):
    """`1,2,3` or repeated query parameters → [1, 2, 3]."""

    def to_internal_value(self, data: Any) -> list[int]:
        parts = data if isinstance(data, list) else str(data).split(",")
        try:
            return [int(p) for p in parts if str(p).strip()]
        except ValueError:
            raise serializers.ValidationError("list of integers expected") from None


class FilterSerializer(serializers.Serializer):
    status = serializers.CharField(required=False)
    category = IntListField(required=False)
    ward = IntListField(required=False)
    unit = IntListField(required=False)
    assignee = serializers.IntegerField(required=False)
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None)
    created_from = serializers.DateField(required=False)
    created_to = serializers.DateField(required=False)
    q = serializers.CharField(required=False, max_length=200)
    bbox = serializers.CharField(required=False)
    work = serializers.ChoiceField(
        choices=WORK_QUEUES,
        required=False,
        help_text="my work: `mine` assigned to me, `unit` waiting for my unit (nobody assigned), "
        "`directions` with a leader's direction to answer (open incidents only)",
    )

    def validate_status(self, value: str) -> list[str]:
        statuses = [s for s in value.split(",") if s]
        bad = [s for s in statuses if s not in Status.values]
        if bad:
            raise serializers.ValidationError(f"unknown status: {', '.join(bad)}")
        return statuses

    def validate_bbox(self, value: str) -> tuple[float, float, float, float]:
        try:
            x1, y1, x2, y2 = (float(v) for v in value.split(","))
        except ValueError:
            raise serializers.ValidationError("min_lon,min_lat,max_lon,max_lat") from None
        if not all(math.isfinite(v) for v in (x1, y1, x2, y2)) or x1 >= x2 or y1 >= y2:
            raise serializers.ValidationError("min_lon,min_lat,max_lon,max_lat")
        return (x1, y1, x2, y2)

    def to_filters(self) -> IncidentFilters:
        return IncidentFilters(**{k: v for k, v in self.validated_data.items()})


class VersionedSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, min_value=1)
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")
    note_public = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The note may reach the resident (timeline, Open311). Default: public for "
        "rejected/resolved (the answer to the resident), internal for every other move.",
    )


class TransitionSerializer(VersionedSerializer):
    to = serializers.ChoiceField(choices=Status.choices)


class AssignSerializer(VersionedSerializer):
    assignee = serializers.IntegerField()


class TransferSerializer(VersionedSerializer):
    unit = serializers.IntegerField()
    reason = serializers.CharField(max_length=4000)


class MergeSerializer(VersionedSerializer):
    master = serializers.IntegerField()


class CategorySerializer(VersionedSerializer):
    category = serializers.IntegerField()


class LocationSerializer(VersionedSerializer):
    lat = serializers.FloatField(help_text="WGS84, e.g. 10.7769")
    lon = serializers.FloatField(help_text="WGS84, e.g. 106.7009")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs["location"] = point_from(attrs)
        return attrs


class TextSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=4000)
    internal = serializers.BooleanField(required=False, default=False)


class PhotoUploadSerializer(serializers.Serializer):
    photo = serializers.FileField(allow_empty_file=True)  # empty: `photo_empty`


def local_name(obj: Any) -> str:
    """The English name (`name_en`) when the user chose English and there is one, else `name`."""
    english = getattr(obj, "name_en", "") if get_language() == "en" else ""
    return str(english or obj.name)


def _ref(obj: Any, *names: str) -> dict[str, Any] | None:
    if obj is None:
        return None
    return {"id": obj.pk, **{n: local_name(obj) if n == "name" else getattr(obj, n) for n in names}}


def _person(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user.get_full_name() or user.get_username()}


def _lonlat(point: Any) -> dict[str, float] | None:
    if point is None:
        return None
    return {"lon": coordinate_out(point.x), "lat": coordinate_out(point.y)}


def is_overdue(incident: Incident, now: Any = None) -> bool:
    due = incident.due_at
    return bool(due and incident.is_open and due < (now or timezone.now()))


# What `incident_row` reads, for `QuerySet.only()`: a list page of 100 no longer loads and
# converts the columns a row does not show (the EXIF point, the fingerprints, the related units'
# JSON fields and leader contacts): 20 % less server CPU per page (bench/bench_server_cpu.py).
# The test that a page's query count does not grow with its rows keeps this and the row in step.
ROW_FIELDS = (
    "id",
    "reference",
    "status",
    "category__code",
    "category__name",
    "ward__code",
    "ward__name",
    "unit__code",
    "unit__name",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
    "description",
    "address",
    "location",
    "created_at",
    "due_at",
    "resolved_at",
    "is_late",
    "is_emergency",
    "version",
)


def incident_row(incident: Incident, now: Any = None) -> dict[str, Any]:
    return {
        "id": incident.pk,
        "reference": incident.reference,
        "status": incident.status,
        "status_label": str(Status(incident.status).label),
        "category": _ref(incident.category, "code", "name"),
        "ward": _ref(incident.ward, "code", "name"),
        "unit": _ref(incident.unit, "code", "name"),
        "assignee": _person(incident.assignee),
        "description": incident.description[:200],
        "address": incident.address,
        "location": _lonlat(incident.location),
        "created_at": incident.created_at,
        "due_at": incident.due_at,
        "resolved_at": incident.resolved_at,
        "is_late": incident.is_late,
        "overdue": is_overdue(incident, now),
        "is_emergency": incident.is_emergency,
        "version": incident.version,
    }


def haversine_m(a: Any, b: Any) -> float | None:
    """Distance between device and photo GPS positions (display only)."""
    if a is None or b is None:
        return None
    lon1, lat1, lon2, lat2 = map(math.radians, (a.x, a.y, b.x, b.y))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return round(2 * 6_371_000 * math.asin(math.sqrt(h)), 1)


RESIDENT = _("Người dân")


def _actor(e: Any, reporter_id: int | None, may_contact: bool) -> dict[str, Any] | None:
    """Staff by name; the resident (the reporter acting on their report) by name only for
    viewers who may call them back, else as "Người dân" with no id (their username is their
    phone number)."""
    if e.actor_id is not None and e.actor_id == reporter_id and not may_contact:
        return {"id": None, "name": str(RESIDENT), "is_resident": True}
    person = _person(e.actor)
    if person is not None:
        person["is_resident"] = e.actor_id == reporter_id
    return person


def _event(e: Any, reporter_id: int | None, may_contact: bool) -> dict[str, Any]:
    return {
        "id": e.pk,
        "kind": e.kind,
        "kind_label": str(EventKind(e.kind).label) if e.kind in EventKind.values else e.kind,
        "actor": _actor(e, reporter_id, may_contact),
        "from_status": e.from_status or None,
        "to_status": e.to_status or None,
        "unit": _ref(e.unit, "code", "name"),
        "note": e.note,
        "is_internal": e.is_internal,
        "data": e.data,
        "created_at": e.created_at,
    }


def incident_detail(
    incident: Incident, *, allowed_moves: list[str], may_contact: bool
) -> dict[str, Any]:
    """The staff detail. `may_contact`: the viewer may see who the reporter is."""
    events = list(incident.events.all())
    answers: dict[int, list[dict[str, Any]]] = {}

    def event(e: Any) -> dict[str, Any]:
        return _event(e, incident.reporter_id, may_contact)

    for e in events:
        reply_to = e.data.get("reply_to") if isinstance(e.data, dict) else None
        if reply_to:
            answers.setdefault(int(reply_to), []).append(event(e))
    photos = [
        {
            "id": p.pk,
            "kind": p.kind,
            "url": p.image.url,
            "thumbnail_url": p.thumbnail.url,
            "width": p.width,
            "height": p.height,
            "exif_location": _lonlat(p.exif_location),
            "exif_taken_at": p.exif_taken_at,
        }
        for p in incident.photos.all()
    ]
    return {
        **incident_row(incident),
        "description": incident.description,
        "channel": incident.channel,
        "location_source": incident.location_source,
        "exif_location": _lonlat(incident.exif_location),
        "exif_taken_at": incident.exif_taken_at,
        "exif_distance_m": haversine_m(incident.location, incident.exif_location),
        "merged_into": _ref(incident.merged_into, "reference"),
        "closed_at": incident.closed_at,
        "photos": photos,
        "history": [event(e) for e in events],
        "directions": [
            {**event(e), "answers": answers.get(e.pk, [])}
            for e in events
            if e.kind == EventKind.DIRECTION
        ],
        "allowed_moves": allowed_moves,
    }
