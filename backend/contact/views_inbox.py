"""The triage inbox API (`/api/contact/v1/inbox…`): operators only; claim → complete or reject."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response

from backend.incidents.models import Incident
from geo.points import point_from

from . import serializers as s
from .selectors import inbox_open
from .services.inbox import inbox_claim, inbox_complete, inbox_reject
from .views import OperatorView, category_or_400, operator_of, validated


class InboxView(OperatorView):
    def get(self, request: Request) -> Response:
        return Response({"results": [s.inbox_row(i) for i in inbox_open()[:200]]})


class InboxClaimView(OperatorView):
    def post(self, request: Request, pk: int) -> Response:
        item = inbox_claim(item_id=pk, operator=operator_of(request))
        return Response(s.inbox_row(item))


class InboxCompleteView(OperatorView):
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
    def post(self, request: Request, pk: int) -> Response:
        data = validated(s.RejectSerializer, request.data)
        item = inbox_reject(item_id=pk, operator=operator_of(request), reason=data["reason"])
        return Response(s.inbox_row(item))
