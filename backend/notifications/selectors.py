"""Reading follows: how many follow a report, which reports a resident follows."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Follow


def follower_count(*, incident_id: int) -> int:
    """Residents following the report (the reporter not counted: add one for "N quan tâm")."""
    return Follow.objects.filter(incident_id=incident_id).count()


def is_following(*, user_id: int, incident_id: int) -> bool:
    return Follow.objects.filter(incident_id=incident_id, user_id=user_id).exists()


def follows_of(*, user_id: int) -> QuerySet[Follow]:
    """The resident's follows, newest first, with the report's public fields for a list row."""
    return (
        Follow.objects.filter(user_id=user_id)
        .select_related("incident", "incident__category", "incident__ward")
        .only(
            "id",
            "created_at",
            "incident__id",
            "incident__reference",
            "incident__status",
            "incident__is_public",
            "incident__merged_into",
            "incident__created_at",
            "incident__category__name",
            "incident__category__name_en",
            "incident__category__code",
            "incident__ward__name",
            "incident__ward__name_en",
        )
        .order_by("-created_at", "-id")
    )
