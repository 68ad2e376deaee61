"""Following someone else's report: its status pushes then reach the follower too."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from backend.common.errors import DomainError
from backend.common.links import public_report_path
from backend.incidents.models import Incident
from backend.incidents.selectors.portal import SHOWN_STATUSES, published_by_reference
from backend.incidents.selectors.public import public_incidents
from backend.notifications.selectors import follows_of
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


FollowByReferenceOut = inline_serializer(
    "FollowByReferenceOut",
    {"reference": serializers.CharField(), "following": serializers.BooleanField()},
)
FollowedOut = inline_serializer(
    "FollowedOut",
    {
        "reference": serializers.CharField(),
        "status": serializers.CharField(allow_null=True),
        "public_url": serializers.CharField(allow_null=True),
        "followed_at": serializers.DateTimeField(),
    },
    many=True,
)


class FollowByReferenceView(ResidentView):
    """POST/DELETE follows/<reference> — the same, by the reference people see (idempotent)."""

    @extend_schema(
        summary="Theo dõi phản ánh theo số — follow by reference (idempotent)",
        request=None,
        responses={200: FollowByReferenceOut, 404: OpenApiResponse(description="not_found")},
        tags=TAG,
    )
    def post(self, request: Request, reference: str) -> Response:
        incident = published_by_reference(reference=reference.strip().upper())
        if incident is None:
            raise DomainError(_("Không tìm thấy."), code="not_found", status_code=404)
        report_follow(user=self.resident(), incident=incident)
        return Response({"reference": incident.reference, "following": True})

    @extend_schema(
        summary="Bỏ theo dõi theo số — unfollow by reference (idempotent)",
        responses={204: None},
        tags=TAG,
    )
    def delete(self, request: Request, reference: str) -> Response:
        found = Incident.objects.filter(reference=reference.strip().upper()).only("id").first()
        if found is not None:  # a report hidden since can still be unfollowed
            report_unfollow(user=self.resident(), incident=found.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FollowListView(ResidentView):
    """GET follows — the reports I follow, newest follow first (a hidden one: no status)."""

    @extend_schema(
        summary="Phản ánh tôi theo dõi — the reports I follow",
        responses={200: FollowedOut},
        tags=TAG,
    )
    def get(self, request: Request) -> Response:
        rows = []
        for row in follows_of(user_id=self.resident().pk)[:200]:
            incident = row.incident
            shown = (
                incident.is_public
                and incident.merged_into_id is None
                and incident.status in SHOWN_STATUSES
            )
            rows.append(
                {
                    "reference": incident.reference,
                    "status": incident.status if shown else None,
                    "public_url": public_report_path(incident.reference) if shown else None,
                    "followed_at": row.created_at,
                }
            )
        return Response(rows)
