"""Categories, submitting reports, my reports, cancel, rating."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from backend.accounts.authentication import BearerTokenAuthentication
from backend.accounts.models import User
from backend.common.errors import DomainError
from backend.common.throttles import BatchedThrottlesMixin
from backend.incidents.selectors.reporter import active_categories, report_of, reports_of
from backend.incidents.services.reporter import incident_cancel, incident_rate
from backend.incidents.services.submit import incident_submit

from . import schema as _schema  # noqa: F401 — registers the bearer scheme
from .serializers import (
    CancelIn,
    CategoryOut,
    RatingIn,
    RatingOut,
    ReportCreatedOut,
    ReportDetailOut,
    ReportIn,
    ReportSummaryOut,
    report_created,
)
from .throttles import MobileThrottle, SubmitThrottle

TAG = ["mobile: reports"]
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,128}$")
IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description="UUID chosen by the app per report; a retry with the same key returns the "
    "first result (200) instead of filing a second report.",
)


class ResidentView(BatchedThrottlesMixin, APIView):
    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes = [MobileThrottle]

    def resident(self) -> User:
        user = self.request.user
        assert isinstance(user, User)  # IsAuthenticated + bearer tokens of accounts.User
        return user


class ReportPage(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


def idempotency_key_from(request: Request) -> str:
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        raise DomainError(
            _("Thiếu tiêu đề Idempotency-Key."),
            code="idempotency_key_required",
            details={"Idempotency-Key": _("Bắt buộc.")},
        )
    if not KEY_PATTERN.match(key):
        raise DomainError(
            _("Idempotency-Key không hợp lệ (1–128 ký tự ASCII)."),
            code="invalid_idempotency_key",
            details={"Idempotency-Key": key[:140]},
        )
    return key


class CategoriesView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Lĩnh vực phản ánh — categories", responses=CategoryOut(many=True), tags=TAG
    )
    def get(self, request: Request) -> Response:
        response = Response(CategoryOut(active_categories(), many=True).data)
        response["Cache-Control"] = "public, max-age=3600"
        return response


class ReportsView(ResidentView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    pagination_class = ReportPage  # the list's {count, next, previous, results} in the schema

    def get_throttles(self) -> list[BaseThrottle]:
        if self.request.method == "POST":
            return [MobileThrottle(), SubmitThrottle()]
        return [MobileThrottle()]

    @extend_schema(
        summary="Phản ánh của tôi — my reports, newest first",
        responses=ReportSummaryOut(many=True),
        tags=TAG,
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            reports_of(reporter_id=self.resident().pk), request, self
        )
        body = ReportSummaryOut(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(body)

    @extend_schema(
        summary="Gửi phản ánh — submit a report",
        parameters=[IDEMPOTENCY_HEADER],
        request={"multipart/form-data": ReportIn},
        responses={
            201: ReportCreatedOut,
            200: OpenApiResponse(ReportCreatedOut, description="replay of the same key"),
            400: OpenApiResponse(description="invalid / location_required / photo_…"),
            413: OpenApiResponse(description="photo_too_large"),
            422: OpenApiResponse(description="outside_service_area"),
        },
        tags=TAG,
    )
    def post(self, request: Request) -> Response:
        key = idempotency_key_from(request)
        data = ReportIn(data=request.data)
        data.is_valid(raise_exception=True)
        result = incident_submit(
            reporter=self.resident(), idempotency_key=key, **data.validated_data
        )
        body = report_created(result.incident)
        return Response(
            body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        )


class ReportDetailView(ResidentView):
    @extend_schema(
        summary="Chi tiết phản ánh — one of my reports", responses=ReportDetailOut, tags=TAG
    )
    def get(self, request: Request, pk: int) -> Response:
        incident = report_of(reporter_id=self.resident().pk, incident_id=pk)
        if incident is None:
            raise DomainError(_("Không tìm thấy."), code="not_found", status_code=404)
        return Response(ReportDetailOut(incident, context={"request": request}).data)


class ReportCancelView(ResidentView):
    @extend_schema(
        summary="Hủy phản ánh chưa tiếp nhận — cancel while new",
        request=CancelIn,
        responses={200: ReportCreatedOut, 409: OpenApiResponse(description="not_cancellable")},
        tags=TAG,
    )
    def post(self, request: Request, pk: int) -> Response:
        data = CancelIn(data=request.data)
        data.is_valid(raise_exception=True)
        incident = incident_cancel(incident_id=pk, reporter=self.resident(), **data.validated_data)
        return Response(ReportCreatedOut(incident).data)


class ReportRatingView(ResidentView):
    @extend_schema(
        summary="Đánh giá kết quả — rate the result (1–5 stars)",
        request=RatingIn,
        responses={
            201: RatingOut,
            409: OpenApiResponse(description="not_rateable / already_rated"),
        },
        tags=TAG,
    )
    def post(self, request: Request, pk: int) -> Response:
        data = RatingIn(data=request.data)
        data.is_valid(raise_exception=True)
        rating, reopened = incident_rate(
            incident_id=pk, reporter=self.resident(), **data.validated_data
        )
        body = {**RatingOut(rating).data, "reopened": reopened}
        return Response(body, status=status.HTTP_201_CREATED)
