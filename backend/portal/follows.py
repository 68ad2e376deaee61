"""Following a report by its reference (web, app and the chat channels' `conversations.following`):
`notifications.services.report_follow`.

Only a published report can be followed; one hidden since can still be unfollowed. Followers
get the reporter's updates (notifications.deliveries).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from backend.accounts.models import User
from backend.common.errors import DomainError
from backend.common.links import public_report_path
from backend.incidents.models import Incident
from backend.incidents.selectors.portal import SHOWN_STATUSES, published_by_reference
from backend.notifications.selectors import follower_count, follows_of
from backend.notifications.services import report_follow, report_unfollow

from .present import name_of, status_display


def _published(reference: str) -> Incident:
    incident = published_by_reference(reference=reference)
    if incident is None:
        raise DomainError(_("Không tìm thấy phản ánh."), code="not_found", status_code=404)
    return incident


def follow_published(user: User, reference: str) -> Incident:
    """`user` follows published report `reference` (idempotent); DomainError `not_found` for an
    unknown or unpublished one. The report comes back with its status."""
    incident = _published(reference)
    report_follow(user=user, incident=incident)
    return incident


def follow(user: User, reference: str) -> dict[str, Any]:
    incident = follow_published(user, reference)
    interested = follower_count(incident_id=incident.pk) + 1
    return {"reference": incident.reference, "following": True, "interested": interested}


def unfollow(user: User, reference: str) -> bool:
    """Stop following `reference`; False when `user` did not follow it (or it does not exist)."""
    incident = Incident.objects.filter(reference=reference).only("id").first()
    if incident is None:
        return False
    return report_unfollow(user=user, incident=incident.pk)


def followed(user: User) -> list[dict[str, Any]]:
    """The reports `user` follows; one hidden or merged since shows only its reference."""
    rows = []
    for row in follows_of(user_id=user.pk)[:200]:
        incident = row.incident
        shown = (
            incident.is_public
            and incident.merged_into_id is None
            and incident.status in SHOWN_STATUSES
        )
        rows.append(
            {
                "reference": incident.reference,
                "public_url": public_report_path(incident.reference) if shown else None,
                "status": incident.status if shown else None,
                "status_display": status_display(incident.status) if shown else None,
                "category_name": name_of(incident.category) if shown else None,
                "ward": name_of(incident.ward) if shown else None,
                "followed_at": row.created_at,
            }
        )
    return rows
