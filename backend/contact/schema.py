"""OpenAPI shapes of the contact-centre API's answers (the views build plain dicts: serializers.py).

Documentation only: what a client generated from /api/schema/ reads. Kept next to the code that
builds the dicts; tests/api_contract checks the real answers against them.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from backend.incidents.models import Status

from . import cti
from .serializers import CompleteSerializer, ReportSerializer


class ContactOut(serializers.Serializer):
    id = serializers.IntegerField()
    channel = serializers.CharField()
    call_id = serializers.CharField(allow_blank=True, help_text="the telephone system's; '' typed")
    caller_phone = serializers.CharField(help_text="E.164")
    operator = serializers.IntegerField(allow_null=True, help_text="the holder's user id")
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    outcome = serializers.CharField(allow_blank=True, help_text="'' while the call card is open")
    reason = serializers.CharField(allow_blank=True)
    incident = serializers.IntegerField(allow_null=True)
    article = serializers.IntegerField(allow_null=True)
    inbox_item = serializers.IntegerField(allow_null=True)


class ContactReportOut(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField()
    category = serializers.CharField()
    ward = serializers.CharField()
    unit = serializers.CharField(allow_null=True)
    description = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    is_emergency = serializers.BooleanField()
    sms_status = serializers.CharField(allow_null=True)


class ContactCardOut(ContactOut):
    reports = ContactReportOut(many=True, help_text="the caller's earlier reports")


class ContactCallsOut(serializers.Serializer):
    waiting = ContactOut(many=True, help_text="waiting for an operator (≤ 50)")
    mine = ContactOut(many=True, help_text="held by you (≤ 50)")


class ContactReportCreatedOut(serializers.Serializer):
    contact = ContactOut()
    report = ContactReportOut(allow_null=True, help_text="null: the report waits in the inbox")
    inbox_item = serializers.IntegerField(
        allow_null=True, help_text="set when it waits in the triage inbox (no place, or verify)"
    )


class ContactArticleOut(serializers.Serializer):
    id = serializers.IntegerField()
    question = serializers.CharField()
    answer = serializers.CharField()
    sms = serializers.CharField(allow_blank=True)
    field = serializers.CharField(allow_blank=True)
    owner = serializers.CharField(allow_null=True)


class ContactArticlesOut(serializers.Serializer):
    results = ContactArticleOut(many=True)


class ContactWardOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ContactPlaceOut(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["ward", "address"])
    name = serializers.CharField()
    ward = ContactWardOut()
    lon = serializers.FloatField(allow_null=True)
    lat = serializers.FloatField(allow_null=True)


class ContactPlacesOut(serializers.Serializer):
    results = ContactPlaceOut(many=True)


class ContactRefOut(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class ContactPreviewOut(serializers.Serializer):
    ward = ContactRefOut()
    unit = ContactRefOut(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    no_unit = serializers.CharField(allow_blank=True, help_text="set when no unit is responsible")


class ContactLonLatOut(serializers.Serializer):
    lon = serializers.FloatField()
    lat = serializers.FloatField()


class ContactInboxItemOut(serializers.Serializer):
    id = serializers.IntegerField()
    channel = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    address = serializers.CharField(allow_blank=True)
    location = ContactLonLatOut(allow_null=True)
    category = serializers.IntegerField(allow_null=True)
    flag = serializers.CharField(allow_blank=True)
    status = serializers.CharField()
    claimed_by = serializers.CharField(allow_null=True)
    claimed_by_id = serializers.IntegerField(allow_null=True)
    incident = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)
    conversation = serializers.IntegerField(
        allow_null=True,
        help_text="the chat conversation it came from: /api/conversations/v1/conversations/{id}",
    )
    created_at = serializers.DateTimeField()


class ContactInboxOut(serializers.Serializer):
    results = ContactInboxItemOut(many=True, help_text="the open items (≤ 200)")


class ContactInboxCompletedOut(serializers.Serializer):
    report = ContactReportOut()


class ContactReportIn(ReportSerializer):
    """The report body as sent: the validated fields, the optional point and photos."""

    lat = serializers.FloatField(required=False, help_text="with `lon`, or neither")
    lon = serializers.FloatField(required=False)
    photos = serializers.ListField(
        child=serializers.ImageField(), required=False, help_text="multipart only"
    )


class ContactInboxCompleteIn(CompleteSerializer):
    lat = serializers.FloatField()
    lon = serializers.FloatField()


class ContactOutcomesOut(serializers.Serializer):
    report_created = serializers.IntegerField()
    information_given = serializers.IntegerField()
    added_to_report = serializers.IntegerField()
    forwarded = serializers.IntegerField()
    out_of_scope = serializers.IntegerField()
    not_reachable = serializers.IntegerField()
    prank = serializers.IntegerField()


class ContactFiguresOut(serializers.Serializer):
    contacts = serializers.IntegerField()
    closed = serializers.IntegerField()
    average_handling_seconds = serializers.IntegerField(
        allow_null=True, help_text="end − start of the closed contacts"
    )
    outcomes = ContactOutcomesOut()


class ContactOperatorFiguresOut(ContactFiguresOut):
    operator = ContactWardOut(help_text="id and name")


class ContactShiftFiguresOut(ContactFiguresOut):
    shift = ContactWardOut(help_text="id and name")


class ContactPeriodOut(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    start = serializers.DateTimeField()
    end = serializers.DateTimeField(help_text="exclusive")


class ContactStatsOut(serializers.Serializer):
    period = ContactPeriodOut()
    operators = ContactOperatorFiguresOut(many=True)
    shifts = ContactShiftFiguresOut(many=True)


class ContactMapPropertiesOut(serializers.Serializer):
    hour = serializers.IntegerField(help_text="local hour the call started")
    started_at = serializers.DateTimeField()
    operator = serializers.IntegerField()
    channel = serializers.CharField()


class ContactMapPointOut(serializers.Serializer):
    type = serializers.CharField()
    coordinates = serializers.ListField(child=serializers.FloatField())


class ContactMapFeatureOut(serializers.Serializer):
    type = serializers.CharField()
    id = serializers.IntegerField()
    geometry = ContactMapPointOut()
    properties = ContactMapPropertiesOut()


class ContactMapOut(serializers.Serializer):
    type = serializers.CharField()
    features = ContactMapFeatureOut(many=True, help_text="≤ 5,000, newest first")


PREVIEW_PARAMETERS = [
    OpenApiParameter("lat", float, required=True),
    OpenApiParameter("lon", float, required=True),
    OpenApiParameter("category", int, required=True, description="an active category's id"),
]

CTI_SECURITY = "ctiSignature"
CTI_TIMESTAMP = OpenApiParameter(
    cti.TIMESTAMP_HEADER,
    str,
    location=OpenApiParameter.HEADER,
    required=True,
    description="Unix seconds; signed together with the raw body (X-CTI-Signature)",
)


CTI_SECURITY_DEFINITION: dict[str, Any] = {
    "type": "apiKey",
    "in": "header",
    "name": cti.SIGNATURE_HEADER,
    "description": (
        "`sha256=<hex>`: HMAC-SHA256 over `<X-CTI-Timestamp>.<raw body>` keyed with "
        "CTI_SHARED_SECRET; a bad or missing signature → 403 `bad_signature`, a timestamp further "
        "than CTI_MAX_SKEW_SECONDS from now → 403 `stale_signature` (the telephone system only)"
    ),
}
