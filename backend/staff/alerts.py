"""Staff API v1: my alerts (the bell polls it), marking them read, my alert preference."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from backend.common.schema import errors
from backend.notifications.alert_inbox import (
    alert_preference,
    alert_preference_save,
    staff_alert_inbox,
    staff_alert_unread,
    staff_alerts_mark_read,
)
from backend.notifications.models import AlertPreference, StaffAlert

from .views import StaffView, validated


class InboxIn(serializers.Serializer):
    after = serializers.IntegerField(required=False, min_value=0, max_value=2**62)


def alert_dict(alert: StaffAlert) -> dict[str, Any]:
    return {
        "id": alert.pk,
        "kind": alert.kind,
        "incident_id": alert.incident_id,
        "reference": alert.incident.reference,
        "is_emergency": alert.incident.is_emergency,
        "subject": alert.subject,
        "body": alert.body,
        "created_at": alert.created_at,
        "read": alert.read_at is not None,
    }


class AlertListView(StaffView):
    @extend_schema(
        parameters=[OpenApiParameter("after", int, description="only alerts with a larger id")],
        responses={200: OpenApiTypes.OBJECT, **errors(400, 403)},
        tags=["staff: alerts"],
        summary="Cảnh báo của tôi — my in-app alerts, newest first, and the unread count",
    )
    def get(self, request: Request) -> Response:
        after = validated(InboxIn, request.query_params).validated_data.get("after")
        rows = staff_alert_inbox(user=request.user, after=after)
        return Response(
            {
                "unread": staff_alert_unread(user=request.user),
                "alerts": [alert_dict(a) for a in rows],
            }
        )


class ReadIn(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**62),
        required=False,
        max_length=500,
        help_text="omit to mark every alert read",
    )


class AlertReadView(StaffView):
    @extend_schema(
        request=ReadIn,
        responses={200: OpenApiTypes.OBJECT, **errors(400, 403)},
        tags=["staff: alerts"],
        summary="Đánh dấu đã xem — mark my alerts read",
    )
    def post(self, request: Request) -> Response:
        ids = validated(ReadIn, request.data).validated_data.get("ids")
        marked = staff_alerts_mark_read(user=request.user, ids=ids)
        return Response({"marked": marked, "unread": staff_alert_unread(user=request.user)})


@extend_schema_field({"type": "string", "pattern": r"^\d{2}:\d{2}$", "example": "21:00"})
class LocalTimeField(serializers.TimeField):
    """A local time of day as `HH:MM` (no zone: quiet hours are Asia/Ho_Chi_Minh)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", input_formats=["%H:%M", "%H:%M:%S"], **kwargs)


class PreferenceIO(serializers.ModelSerializer):
    quiet_start = LocalTimeField(required=False)
    quiet_end = LocalTimeField(required=False)

    class Meta:
        model = AlertPreference
        fields = ["by_email", "by_sms", "by_browser", "quiet_hours", "quiet_start", "quiet_end"]


class AlertPreferenceView(StaffView):
    @extend_schema(
        responses={200: PreferenceIO, **errors(403)},
        tags=["staff: alerts"],
        summary="Cài đặt cảnh báo — my channels and quiet hours",
    )
    def get(self, request: Request) -> Response:
        return Response(PreferenceIO(alert_preference(user=request.user)).data)

    @extend_schema(
        request=PreferenceIO,
        responses={200: PreferenceIO, **errors(400, 403)},
        tags=["staff: alerts"],
        summary="Lưu cài đặt cảnh báo — save my channels and quiet hours",
    )
    def put(self, request: Request) -> Response:
        serializer = PreferenceIO(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        pref = alert_preference_save(user=request.user, **serializer.validated_data)
        return Response(PreferenceIO(pref).data)
