"""Following someone else's report: its status pushes then reach the follower too."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from backend.common.errors import DomainError
from backend.incidents.models import Incident
from backend.incidents.selectors.public import public_incidents
from backend.notifications.services import report_follow, report_unfollow

from .views_reports import ResidentView

TAG = ["mobile: reports"]
FollowOut = inline_serializer(
    "FollowOut",
    {
        "id": serializers.IntegerField(),
        "reference": serializers.CharField(),
        "following": serializers.BooleanField(),
    },
)


def _followable(pk: int) -> Incident:
    """Any public report (the resident saw it on the map or in the public list); else 404."""
    incident = public_incidents().filter(pk=pk).only("id", "reference").first()
    if incident is None:
        raise DomainError(_("Không tìm thấy."), code="not_found", status_code=404)
    return incident


class ReportFollowView(ResidentView):
    @extend_schema(
        summary="Theo dõi phản ánh — follow a public report (idempotent)",
        request=None,
        responses={200: FollowOut, 404: OpenApiResponse(description="not_found")},
        tags=TAG,
    )
    def post(self, request: Request, pk: int) -> Response:
        incident = _followable(pk)
        report_follow(user=self.resident(), incident=incident)
        body = {"id": incident.pk, "reference": incident.reference, "following": True}
        return Response(body, status=status.HTTP_200_OK)

    @extend_schema(
        summary="Bỏ theo dõi phản ánh — unfollow (idempotent)",
        responses={204: None},
        tags=TAG,
    )
    def delete(self, request: Request, pk: int) -> Response:
        # by id: a report hidden after it was followed can still be unfollowed
        report_unfollow(user=self.resident(), incident=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
