"""Staff API v1 actions on one incident: each validates, calls one service, returns the detail."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from backend.common.schema import errors
from backend.incidents.models import Incident
from backend.incidents.selectors.staff import incidents_visible_to
from backend.incidents.services import handling, resolution, workflow
from backend.notifications.demand import report_merge
from backend.units.models import Category, Unit

from . import schema as sch
from . import serializers as s
from .views import StaffView, detail_response, validated, visible_incident


def _get(model: type[Any], pk: int, field: str) -> Any:
    try:
        return model.objects.get(pk=pk)
    except model.DoesNotExist:
        raise s.serializers.ValidationError({field: ["not_found"]}) from None


class TransitionView(StaffView):
    @extend_schema(
        request=s.TransitionSerializer,
        responses={200: sch.StaffIncidentDetailOut, **errors(400, 403, 404, 409)},
        tags=["staff: actions"],
        summary="Chuyển trạng thái — move the incident to another status",
    )
    def post(self, request: Request, pk: int) -> Response:
        data = validated(s.TransitionSerializer, request.data).validated_data
        workflow.incident_transition(
            actor=request.user,
            incident=visible_incident(request, pk),
            to_status=data["to"],
            note=data["note"],
            note_public=data["note_public"],
            expected_version=data.get("version"),
        )
        return detail_response(request, pk)


class AssignView(StaffView):
    @extend_schema(
        request=s.AssignSerializer,
        responses={200: sch.StaffIncidentDetailOut, **errors(400, 403, 404, 409)},
        tags=["staff: actions"],
        summary="Phân công — assign a handler",
    )
    def post(self, request: Request, pk: int) -> Response:
        data = validated(s.AssignSerializer, request.data).validated_data
        handling.incident_assign(
            actor=request.user,
            incident=visible_incident(request, pk),
            assignee=_get(get_user_model(), data["assignee"], "assignee"),
            note=data["note"],
            note_public=bool(data["note_public"]),
            expected_version=data.get("version"),
        )
        return detail_response(request, pk)


class TransferView(StaffView):
    @extend_schema(
        request=s.TransferSerializer,
        responses={200: sch.DETAIL_OR_GONE, **errors(400, 403, 404, 409)},
        tags=["staff: actions"],
        summary="Chuyển đơn vị — transfer to another unit",
    )
    def post(self, request: Request, pk: int) -> Response:
        data = validated(s.TransferSerializer, request.data).validated_data
        incident = visible_incident(request, pk)
        handling.incident_transfer(
            actor=request.user,
            incident=incident,
            unit=_get(Unit, data["unit"], "unit"),
            reason=data["reason"],
            note_public=bool(data["note_public"]),
            expected_version=data.get("version"),
        )
        return _detail_or_gone(request, pk)


def _detail_or_gone(request: Request, pk: int) -> Response:
    """After a hand-over the incident may leave the actor's scope: say so instead of 404."""
    try:
        return detail_response(request, pk)
    except Http404:
        return Response({"id": pk, "in_scope": False})


class MergeView(StaffView):
    @extend_schema(
        request=s.MergeSerializer,
        responses={200: sch.StaffIncidentDetailOut, **errors(400, 403, 404, 409)},
        tags=["staff: actions"],
        summary="Gộp — close as a duplicate of another incident",
    )
    def post(self, request: Request, pk: int) -> Response:
        data = validated(s.MergeSerializer, request.data).validated_data
        incident = visible_incident(request, pk)
        try:
            master = incidents_visible_to(request.user).get(pk=data["master"])
        except Incident.DoesNotExist:
            raise s.serializers.ValidationError({"master": ["not_found"]}) from None
        # the duplicate's reporter and followers follow the master from now on
        report_merge(
            actor=request.user,
            incident=incident,
            master=master,
            note=data["note"],
            note_public=bool(data["note_public"]),
            expected_version=data.get("version"),
        )
        return detail_response(request, pk)


class CategoryView(StaffView):
    @extend_schema(
        request=s.CategorySerializer,
        responses={200: sch.DETAIL_OR_GONE, **errors(400, 403, 404, 409)},
        tags=["staff: actions"],
        summary="Đổi lĩnh vực — change the category (re-routes)",
    )
    def post(self, request: Request, pk: int) -> Response:
        data = validated(s.CategorySerializer, request.data).validated_data
        handling.incident_change_category(
            actor=request.user,
            incident=visible_incident(request, pk),
            category=_get(Category, data["category"], "category"),
            note=data["note"],
            expected_version=data.get("version"),
        )
        return _detail_or_gone(request, pk)


class LocationView(StaffView):
    @extend_schema(
        request=s.LocationSerializer,
        responses={200: sch.DETAIL_OR_GONE, **errors(400, 403, 404, 409, 422)},
        tags=["staff: actions"],
        summary="Đổi vị trí — move the point (re-locates the ward)",
    )
    def post(self, request: Request, pk: int) -> Response:
        data = validated(s.LocationSerializer, request.data).validated_data
        handling.incident_change_location(
            actor=request.user,
            incident=visible_incident(request, pk),
            location=data["location"],
            note=data["note"],
            expected_version=data.get("version"),
        )
        return _detail_or_gone(request, pk)


class CommentView(StaffView):
    @extend_schema(
        request=s.TextSerializer,
        responses={201: sch.StaffIncidentDetailOut, **errors(400, 403, 404, 409)},
        tags=["staff: actions"],
        summary="Trả lời người dân hoặc ghi chú nội bộ — reply or internal note",
    )
    def post(self, request: Request, pk: int) -> Response:
        data = validated(s.TextSerializer, request.data).validated_data
        handling.incident_comment(
            actor=request.user,
            incident=visible_incident(request, pk),
            text=data["text"],
            internal=data["internal"],
        )
        return detail_response(request, pk, status=201)


class DirectionView(StaffView):
    @extend_schema(
        request=s.TextSerializer,
        responses={201: sch.StaffIncidentDetailOut, **errors(400, 403, 404, 409)},
        tags=["staff: actions"],
        summary="Chỉ đạo — a leader's direction",
    )
    def post(self, request: Request, pk: int) -> Response:
        data = validated(s.TextSerializer, request.data).validated_data
        handling.incident_add_direction(
            actor=request.user, incident=visible_incident(request, pk), text=data["text"]
        )
        return detail_response(request, pk, status=201)


class DirectionAnswerView(StaffView):
    @extend_schema(
        request=s.TextSerializer,
        responses={201: sch.StaffIncidentDetailOut, **errors(400, 403, 404, 409)},
        tags=["staff: actions"],
        summary="Trả lời chỉ đạo — answer a direction",
    )
    def post(self, request: Request, pk: int, direction_id: int) -> Response:
        data = validated(s.TextSerializer, request.data).validated_data
        handling.incident_answer_direction(
            actor=request.user,
            incident=visible_incident(request, pk),
            direction_id=direction_id,
            text=data["text"],
        )
        return detail_response(request, pk, status=201)


class ResolutionPhotoView(StaffView):
    @extend_schema(
        request=s.PhotoUploadSerializer,
        responses={201: sch.StaffIncidentDetailOut, **errors(400, 403, 404, 409, 413)},
        tags=["staff: actions"],
        summary="Ảnh kết quả — add a result photo (multipart `photo`)",
    )
    def post(self, request: Request, pk: int) -> Response:
        upload = validated(s.PhotoUploadSerializer, request.data).validated_data["photo"]
        resolution.incident_add_resolution_photo(
            actor=request.user, incident=visible_incident(request, pk), upload=upload
        )
        return detail_response(request, pk, status=201)
