"""OpenAPI shapes of the staff API's answers (the views build plain dicts: serializers.py).

Documentation only: what a client generated from /api/schema/ reads. Kept next to the code
that builds the dicts; tests/schema checks the real answers against them.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer
from rest_framework import serializers

from backend.incidents.models import Status

from .serializers import FilterSerializer


class StaffRefOut(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class StaffPersonOut(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()


class StaffActorOut(StaffPersonOut):
    is_resident = serializers.BooleanField(
        help_text="the reporter; shown as Người dân, without id, to those who may not call back"
    )


class StaffLonLatOut(serializers.Serializer):
    lon = serializers.FloatField()
    lat = serializers.FloatField()


class StaffIncidentRowOut(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField()
    category = StaffRefOut(allow_null=True)
    ward = StaffRefOut(allow_null=True)
    unit = StaffRefOut(allow_null=True)
    assignee = StaffPersonOut(allow_null=True)
    description = serializers.CharField(allow_blank=True)
    address = serializers.CharField(allow_blank=True)
    location = StaffLonLatOut(allow_null=True)
    created_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    is_late = serializers.BooleanField(allow_null=True)
    overdue = serializers.BooleanField()
    is_emergency = serializers.BooleanField(help_text="open emergencies come first in the list")
    version = serializers.IntegerField()


class StaffPageMetaOut(serializers.Serializer):
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    next = serializers.URLField(allow_null=True, help_text="set when another page exists")
    previous = serializers.URLField(allow_null=True)


class StaffIncidentPageOut(StaffPageMetaOut):
    results = StaffIncidentRowOut(many=True)


class StaffPointOut(serializers.Serializer):
    type = serializers.ChoiceField(choices=["Point"])
    coordinates = serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2)


class StaffFeatureOut(serializers.Serializer):
    type = serializers.ChoiceField(choices=["Feature"])
    id = serializers.IntegerField()
    geometry = StaffPointOut()
    properties = serializers.DictField(help_text="the list row without `location`")


class StaffFeatureCollectionOut(StaffPageMetaOut):
    type = serializers.ChoiceField(choices=["FeatureCollection"])
    features = StaffFeatureOut(many=True)


class StaffEventOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(help_text="the kind in words, in the user's language")
    actor = StaffActorOut(allow_null=True)
    from_status = serializers.CharField(allow_null=True)
    to_status = serializers.CharField(allow_null=True)
    unit = StaffRefOut(allow_null=True)
    note = serializers.CharField(allow_blank=True)
    is_internal = serializers.BooleanField()
    data = serializers.JSONField()  # type: ignore[assignment]  # a field, not .data
    created_at = serializers.DateTimeField()


class StaffDirectionOut(StaffEventOut):
    answers = StaffEventOut(many=True)


class StaffPhotoOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    url = serializers.CharField()
    thumbnail_url = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    exif_location = StaffLonLatOut(allow_null=True)
    exif_taken_at = serializers.DateTimeField(allow_null=True)


class StaffMergedIntoOut(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()


class StaffIncidentDetailOut(StaffIncidentRowOut):
    channel = serializers.CharField()
    location_source = serializers.CharField()
    exif_location = StaffLonLatOut(allow_null=True)
    exif_taken_at = serializers.DateTimeField(allow_null=True)
    exif_distance_m = serializers.FloatField(allow_null=True)
    merged_into = StaffMergedIntoOut(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    photos = StaffPhotoOut(many=True)
    history = StaffEventOut(many=True)
    directions = StaffDirectionOut(many=True)
    allowed_moves = serializers.ListField(child=serializers.CharField())
    allowed_actions = serializers.ListField(
        child=serializers.CharField(),
        help_text="other actions the viewer may take now: comment, answer_direction, direct, "
        "category, location",
    )
    demand = serializers.IntegerField(
        help_text="residents who care: reporter, followers, reporters of merged duplicates"
    )


class StaffSignalsOut(serializers.Serializer):
    distance = serializers.FloatField(help_text="1 at the same point, 0 at the edge of the reach")
    time = serializers.FloatField()
    category = serializers.FloatField(help_text="1 same category, 0.5 same field, 0 other")
    photo = serializers.FloatField(allow_null=True, help_text="difference-hash likeness")
    text = serializers.FloatField(help_text="pg_trgm similarity of the descriptions")


class StaffDuplicateOut(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    category = StaffRefOut()
    unit = StaffRefOut(allow_null=True)
    description = serializers.CharField()
    created_at = serializers.DateTimeField()
    distance_m = serializers.FloatField()
    hours_apart = serializers.FloatField()
    thumbnail_url = serializers.CharField(allow_null=True)
    demand = serializers.IntegerField()
    score = serializers.FloatField(help_text="0–1, weighted mean of the signals present")
    signals = StaffSignalsOut()


class StaffDuplicatesOut(serializers.Serializer):
    results = StaffDuplicateOut(many=True)


class StaffOutOfScopeOut(serializers.Serializer):
    id = serializers.IntegerField()
    in_scope = serializers.BooleanField(help_text="false: the incident left your scope")


DETAIL_OR_GONE = PolymorphicProxySerializer(
    component_name="IncidentDetailOrOutOfScope",
    serializers=[StaffIncidentDetailOut, StaffOutOfScopeOut],
    resource_type_field_name=None,
)


class StaffMeOut(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField(allow_blank=True)
    is_global = serializers.BooleanField()
    roles = serializers.ListField(child=serializers.CharField())
    unit_ids = serializers.ListField(child=serializers.IntegerField())


class StaffUnitOut(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    parent_id = serializers.IntegerField(allow_null=True)
    in_scope = serializers.BooleanField()


class StaffMemberOut(serializers.Serializer):
    user = StaffPersonOut()
    role = serializers.CharField()
    role_label = serializers.CharField(help_text="the role in words, in the user's language")


class StaffTransferTargetOut(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    group = serializers.CharField(help_text="the picker's group: bordering wards, or the kind")
    parent_id = serializers.IntegerField(allow_null=True)


class _PlaceOut(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class StaffRelocationOut(serializers.Serializer):
    ward = _PlaceOut()
    unit = _PlaceOut(allow_null=True)
    unit_changes = serializers.BooleanField()
    stays_in_scope = serializers.BooleanField()


class StaffUnitOverdueOut(serializers.Serializer):
    unit_id = serializers.IntegerField(allow_null=True)
    overdue = serializers.IntegerField()


class StaffOverdueOut(serializers.Serializer):
    total = serializers.IntegerField()
    by_unit = StaffUnitOverdueOut(many=True)


class StaffUnitLateRateOut(serializers.Serializer):
    unit_id = serializers.IntegerField(allow_null=True)
    resolved = serializers.IntegerField()
    late = serializers.IntegerField()
    late_rate = serializers.FloatField(allow_null=True)


class StaffLateRateOut(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    by_unit = StaffUnitLateRateOut(many=True)


class StaffQuarterOut(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    resolved = serializers.IntegerField()
    late = serializers.IntegerField()


class StaffSummaryOut(serializers.Serializer):
    open = serializers.IntegerField()
    overdue = serializers.IntegerField()
    emergencies_open = serializers.IntegerField(help_text="open emergencies (also in `open`)")
    emergencies_overdue = serializers.IntegerField(help_text="of those, past their deadline")
    resolved_this_week = serializers.IntegerField()
    quarter = StaffQuarterOut()
    late_rate = serializers.FloatField(allow_null=True)


class StaffMapTokenOut(serializers.Serializer):
    token = serializers.CharField()
    expires_in = serializers.IntegerField()


class StaffReporterOut(serializers.Serializer):
    name = serializers.CharField(allow_null=True)
    phone = serializers.CharField(allow_null=True)


PAGE_PARAMETERS: list[Any] = [
    FilterSerializer,
    OpenApiParameter("page", int, description="1, 2, …"),
    OpenApiParameter("page_size", int, description="≤ HOTLINE_PAGE_SIZE_MAX (200)"),
]
PERIOD = OpenApiParameter("period", str, description="a quarter, `2026Q1`; default: this one")


def file_response(media_type: str, description: str) -> OpenApiResponse:
    return OpenApiResponse(OpenApiTypes.BINARY, description=f"{description} ({media_type})")


class MapTokenScheme(OpenApiAuthenticationExtension):
    target_class = "backend.staff.map_tokens.MapTokenAuthentication"
    name = "mapToken"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Map-Token",
            "description": (
                "Signed map token from GET /api/staff/v1/map/token (valid MAP_TOKEN_SECONDS, "
                "the caller's scope at issue time); tiles only"
            ),
        }
