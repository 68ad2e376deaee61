"""The triage inbox API (`/api/contact/v1/inbox…`): operators only; claim → complete or reject."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from backend.common.schema import errors
from backend.incidents.models import Incident
from geo.points import point_from

from . import schema as sch
from . import serializers as s
from .selectors import inbox_open
from .services.inbox import inbox_claim, inbox_complete, inbox_reject
from .views import OperatorView, category_or_400, operator_of, validated


class InboxView(OperatorView):
    @extend_schema(
        operation_id="contact_inbox_list",
        responses={200: sch.ContactInboxOut, **errors(403)},
        tags=["contact: inbox"],
        summary="Hộp phân loại — open inbox items, oldest first",
    )
    def get(self, request: Request) -> Response:
        return Response({"results": [s.inbox_row(i) for i in inbox_open()[:200]]})


class InboxClaimView(OperatorView):
    @extend_schema(
        operation_id="contact_inbox_claim",
        request=None,
        responses={200: sch.ContactInboxItemOut, **errors(403, 404, 409)},
        tags=["contact: inbox"],
        summary="Nhận xử lý — claim an inbox item (409 when another operator holds it)",
    )
    def post(self, request: Request, pk: int) -> Response:
        item = inbox_claim(item_id=pk, operator=operator_of(request))
        return Response(s.inbox_row(item))


class InboxCompleteView(OperatorView):
    @extend_schema(
        operation_id="contact_inbox_complete",
        request=sch.ContactInboxCompleteIn,
        responses={201: sch.ContactInboxCompletedOut, **errors(400, 403, 404, 409, 422)},
        tags=["contact: inbox"],
        summary="Hoàn tất — file the claimed item as a report at (lat, lon)",
    )
    def post(self, request: Request, pk: int) -> Response:
        data = validated(s.CompleteSerializer, request.data)
        point = point_from(request.data)  # type: ignore[arg-type]
        assert point is not None
        incident = inbox_complete(
            item_id=pk,
            operator=operator_of(request),
            category=category_or_400(data["category"]),
            location=point,
            description=data["description"],
            address=data["address"],
        )
        incident = Incident.objects.select_related("category", "ward", "unit").get(pk=incident.pk)
        return Response({"report": s.report_row(incident)}, status=201)


class InboxRejectView(OperatorView):
    @extend_schema(
        operation_id="contact_inbox_reject",
        request=s.RejectSerializer,
        responses={200: sch.ContactInboxItemOut, **errors(400, 403, 404, 409)},
        tags=["contact: inbox"],
        summary="Từ chối — reject the claimed item, with a reason",
    )
    def post(self, request: Request, pk: int) -> Response:
        data = validated(s.RejectSerializer, request.data)
        item = inbox_reject(item_id=pk, operator=operator_of(request), reason=data["reason"])
        return Response(s.inbox_row(item))
