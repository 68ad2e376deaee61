"""Operator console API v1 (`/api/contact/v1/`): validate → one service or selector → serialize.

Only operators (and city supervisors/admins) get in (403 otherwise). A call card held by another
operator answers 409 `contact_taken` naming who holds it.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts.models import User
from backend.common.errors import DomainError
from backend.common.schema import errors
from backend.incidents.models import Incident
from backend.units.models import Category
from geo.points import point_from

from . import schema as sch
from . import serializers as s
from .models import Contact, InboxItem, KnowledgeArticle
from .permissions import AUTHENTICATION, PERMISSIONS
from .selectors import (
    article_search,
    caller_reports,
    contacts_of,
    place_search,
    report_by_reference,
    report_preview,
    waiting_calls,
)
from .services.calls import contact_close, contact_open, contact_take
from .services.outcomes import (
    contact_add_to_report,
    contact_answer,
    contact_create_report,
    contact_mark_emergency,
)


class OperatorView(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = PERMISSIONS


def validated(serializer_class: type[Any], data: Any) -> Any:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def operator_of(request: Request) -> User:
    """The signed-in operator (the permission classes let no one else in)."""
    user = request.user
    assert isinstance(user, User)
    return user


def contact_or_404(pk: int) -> Contact:
    contact = Contact.objects.select_related("caller").filter(pk=pk).first()
    if contact is None:
        raise Http404
    return contact


def category_or_400(pk: int) -> Category:
    category = Category.objects.filter(pk=pk, is_active=True).first()
    if category is None:
        raise DomainError(code="invalid", details={"category": ["unknown"]})
    return category


def card(contact: Contact) -> dict[str, Any]:
    reports = caller_reports(phone=contact.caller_phone)
    return {**s.contact_row(contact), "reports": [s.card_report_row(r) for r in reports]}


class CallsView(OperatorView):
    @extend_schema(
        operation_id="contact_calls_list",
        responses={200: sch.ContactCallsOut, **errors(403)},
        tags=["contact: calls"],
        summary="Cuộc gọi — call cards waiting for an operator, and yours",
    )
    def get(self, request: Request) -> Response:
        """Call cards waiting for an operator, and the ones this operator holds."""
        return Response(
            {
                "waiting": [s.contact_row(c) for c in waiting_calls()[:50]],
                "mine": [s.contact_row(c) for c in contacts_of(operator=operator_of(request))[:50]],
            }
        )

    @extend_schema(
        operation_id="contact_calls_create",
        request=s.OpenCallSerializer,
        responses={201: sch.ContactCardOut, **errors(400, 403)},
        tags=["contact: calls"],
        summary="Mở cuộc gọi — a call typed in by the operator (no CTI), held by them",
    )
    def post(self, request: Request) -> Response:
        """A call whose number the operator types (no CTI): opened and held by them."""
        data = validated(s.OpenCallSerializer, request.data)
        contact, _created = contact_open(caller_phone=data["caller"], operator=operator_of(request))
        return Response(card(contact), status=201)


class CallView(OperatorView):
    @extend_schema(
        operation_id="contact_call_retrieve",
        responses={200: sch.ContactCardOut, **errors(403, 404)},
        tags=["contact: calls"],
        summary="Thẻ cuộc gọi — one call card with the caller's reports",
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(card(contact_or_404(pk)))


class TakeView(OperatorView):
    @extend_schema(
        operation_id="contact_call_take",
        request=None,
        responses={200: sch.ContactCardOut, **errors(403, 404, 409)},
        tags=["contact: calls"],
        summary="Nhận cuộc gọi — take the call card (409 `contact_taken` naming the holder)",
    )
    def post(self, request: Request, pk: int) -> Response:
        contact = contact_take(contact=contact_or_404(pk), operator=operator_of(request))
        return Response(card(contact))


class ReportView(OperatorView):
    @extend_schema(
        operation_id="contact_call_report",
        request=sch.ContactReportIn,
        responses={201: sch.ContactReportCreatedOut, **errors(400, 403, 404, 409, 413, 422)},
        tags=["contact: outcomes"],
        summary="Tạo phản ánh — file a report from the call and close it (no place or "
        "`verify` → it waits in the triage inbox)",
    )
    def post(self, request: Request, pk: int) -> Response:
        contact = contact_or_404(pk)
        data = validated(s.ReportSerializer, request.data)
        location = point_from(request.data, required=False)  # type: ignore[arg-type]
        filed = contact_create_report(
            contact=contact,
            operator=operator_of(request),
            category=category_or_400(data["category"]),
            description=data["description"],
            address=data["address"],
            location=location,
            photos=request.FILES.getlist("photos"),
            sms_consent=data["sms_consent"],
            emergency=data["emergency"],
            verify=data["verify"],
        )
        if isinstance(filed, InboxItem):  # no place, or to be verified: waits in the inbox
            body = {"contact": s.contact_row(contact), "report": None, "inbox_item": filed.pk}
            return Response(body, status=201)
        incident = Incident.objects.select_related("category", "ward", "unit").get(pk=filed.pk)
        body = {"contact": s.contact_row(contact), "report": s.report_row(incident)}
        return Response({**body, "inbox_item": None}, status=201)


class AnswerView(OperatorView):
    @extend_schema(
        operation_id="contact_call_answer",
        request=s.AnswerSerializer,
        responses={200: sch.ContactOut, **errors(400, 403, 404, 409)},
        tags=["contact: outcomes"],
        summary="Trả lời — answer from a knowledge article (optionally by SMS) and close",
    )
    def post(self, request: Request, pk: int) -> Response:
        contact = contact_or_404(pk)
        data = validated(s.AnswerSerializer, request.data)
        article = KnowledgeArticle.objects.filter(pk=data["article"]).first()
        if article is None:
            raise DomainError(code="invalid", details={"article": ["unknown"]})
        contact = contact_answer(
            contact=contact,
            operator=operator_of(request),
            article=article,
            send_sms=data["send_sms"],
        )
        return Response(s.contact_row(contact))


class AddToReportView(OperatorView):
    @extend_schema(
        operation_id="contact_call_add_to_report",
        request=s.AddToReportSerializer,
        responses={200: sch.ContactOut, **errors(400, 403, 404, 409)},
        tags=["contact: outcomes"],
        summary="Bổ sung phản ánh — link the call to an existing report (by reference) and close",
    )
    def post(self, request: Request, pk: int) -> Response:
        contact = contact_or_404(pk)
        data = validated(s.AddToReportSerializer, request.data)
        incident = report_by_reference(data["reference"])
        if incident is None:
            raise DomainError(code="invalid", details={"reference": ["unknown"]})
        contact = contact_add_to_report(
            contact=contact,
            operator=operator_of(request),
            incident=incident,
            note=data["note"],
            follow=data["follow"],
        )
        return Response(s.contact_row(contact))


class CloseView(OperatorView):
    @extend_schema(
        operation_id="contact_call_close",
        request=s.CloseSerializer,
        responses={200: sch.ContactOut, **errors(400, 403, 404, 409)},
        tags=["contact: outcomes"],
        summary="Kết thúc — close as out of scope, not reachable or prank, with a reason",
    )
    def post(self, request: Request, pk: int) -> Response:
        contact = contact_or_404(pk)
        data = validated(s.CloseSerializer, request.data)
        contact = contact_close(
            contact=contact,
            operator=operator_of(request),
            outcome=data["outcome"],
            reason=data["reason"],
        )
        return Response(s.contact_row(contact))


class ArticleSearchView(OperatorView):
    @extend_schema(
        operation_id="contact_articles_search",
        parameters=[s.SearchSerializer],
        responses={200: sch.ContactArticlesOut, **errors(400, 403)},
        tags=["contact: lookup"],
        summary="Tra cứu kiến thức — knowledge articles matching `q` (in `field`)",
    )
    def get(self, request: Request) -> Response:
        data = validated(s.SearchSerializer, request.query_params)
        found = article_search(query=data["q"], field=data["field"])
        return Response({"results": [s.article_row(a) for a in found]})


class PlaceSearchView(OperatorView):
    @extend_schema(
        operation_id="contact_places_search",
        parameters=[s.SearchSerializer],
        responses={200: sch.ContactPlacesOut, **errors(400, 403)},
        tags=["contact: lookup"],
        summary="Tra cứu địa điểm — wards and addresses matching `q`",
    )
    def get(self, request: Request) -> Response:
        data = validated(s.SearchSerializer, request.query_params)
        return Response({"results": [s.place_row(p) for p in place_search(query=data["q"])]})


class PreviewView(OperatorView):
    """Ward, responsible unit and deadline of a report at (lat, lon) in `category`, before it
    is saved: decided by the same functions as the intake (outside the city → 422)."""

    @extend_schema(
        operation_id="contact_report_preview",
        parameters=sch.PREVIEW_PARAMETERS,
        responses={200: sch.ContactPreviewOut, **errors(400, 403, 422)},
        tags=["contact: lookup"],
        summary="Xem trước — ward, unit and deadline of a report at (lat, lon) in `category`",
    )
    def get(self, request: Request) -> Response:
        point = point_from(request.query_params)
        assert point is not None
        try:
            category_id = int(request.query_params.get("category", ""))
        except ValueError:
            raise DomainError(code="invalid", details={"category": ["required"]}) from None
        preview = report_preview(point=point, category=category_or_400(category_id))
        return Response(s.preview_row(preview))


class EmergencyView(OperatorView):
    """Mark a report an emergency (by its reference)."""

    @extend_schema(
        operation_id="contact_report_emergency",
        request=s.EmergencySerializer,
        responses={200: sch.ContactReportOut, **errors(400, 403, 404, 409)},
        tags=["contact: outcomes"],
        summary="Khẩn cấp — mark a report (by reference) an emergency",
    )
    def post(self, request: Request, reference: str) -> Response:
        data = validated(s.EmergencySerializer, request.data)
        incident = (
            Incident.objects.select_related("category", "ward", "unit")
            .filter(reference__iexact=reference)
            .first()
        )
        if incident is None:
            raise Http404
        incident = contact_mark_emergency(
            operator=operator_of(request), incident=incident, note=data["note"]
        )
        return Response(s.report_row(incident))
