"""GET /api/public/v1/similar-reports?lon=&lat=&category= — "already reported?" for the web form.

No sign-in, no personal data out, throttled per client address; the app asks the same at
/api/mobile/v1/reports/similar (one selector, one answer: notifications.similar).
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from backend.common.schema import errors
from backend.common.throttles import ClientAddressIdent
from backend.notifications.similar import (
    SIMILAR_PARAMETERS,
    SimilarReportsOut,
    similar_query,
    similar_reports,
)


class SimilarThrottle(ClientAddressIdent, AnonRateThrottle):
    scope = "public_similar"

    def get_rate(self) -> str:
        rate: str = settings.PUBLIC_THROTTLE_SIMILAR
        return rate


class SimilarReportsView(APIView):
    """Open reports of the same category nearby (radius and window of the category)."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [SimilarThrottle]

    @extend_schema(
        summary="Đã có người phản ánh? — open reports of the same category nearby",
        parameters=SIMILAR_PARAMETERS,
        responses={200: SimilarReportsOut, **errors(400, 429)},
        tags=["public: reports"],
    )
    def get(self, request: Request) -> Response:
        point, category = similar_query(request.query_params)
        rows = similar_reports(point=point, category=category, absolute=request.build_absolute_uri)
        return Response({"results": [{k: v for k, v in r.items() if k != "id"} for r in rows]})
