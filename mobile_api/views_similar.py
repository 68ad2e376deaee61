"""Already reported? — in the app: the public check's answer for the signed-in resident."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from backend.common.schema import errors
from backend.notifications.similar import (
    SIMILAR_PARAMETERS,
    SimilarReportOut,
    similar_query,
    similar_reports,
)

from .throttles import MobileThrottle, SimilarThrottle
from .views_reports import ResidentView


class MobileSimilarReportOut(SimilarReportOut):
    id = serializers.IntegerField(help_text="for reports/{id}/follow")


class MobileSimilarReportsOut(serializers.Serializer):
    results = MobileSimilarReportOut(many=True)


class SimilarReportsView(ResidentView):
    throttle_classes = [MobileThrottle, SimilarThrottle]

    @extend_schema(
        summary="Đã có người phản ánh? — open reports of the same category nearby "
        "(follow one instead: reports/{id}/follow)",
        parameters=SIMILAR_PARAMETERS,
        responses={200: MobileSimilarReportsOut, **errors(400, 401, 429)},
        tags=["mobile: reports"],
    )
    def get(self, request: Request) -> Response:
        point, category = similar_query(request.query_params)
        rows = similar_reports(point=point, category=category, absolute=request.build_absolute_uri)
        return Response({"results": rows})
