"""What a resident may do to their own report: cancel it while new, rate it once resolved.

Rules live here, not in views:
- Cancel: only the reporter, only while the status is still `new` (nobody has picked it up).
- Rating: only the reporter, once per resolution, only when resolved or closed. A low rating
  (≤ REOPEN_MAX_STARS) within REOPEN_WINDOW of the resolution reopens the report; after the
  next resolution the resident rates again. `Rating` holds the latest rating (what the unit's
  score counts); every rating stays in the history (RATING entries).
Each change is written by `changes.incident_change` (version, history, map counts, the update
to the reporter), on the row locked here.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import User
from backend.common.errors import Conflict, DomainError

from ..models import EventKind, Incident, Rating, Status
from .changes import history_entry, incident_change

REOPEN_MAX_STARS = 2
REOPEN_WINDOW = dt.timedelta(days=7)
RATEABLE = (Status.RESOLVED, Status.CLOSED)


class NotYourReport(DomainError):
    status_code = 404
    code = "not_found"
    default_message = _("Không tìm thấy.")


def _locked(incident_id: int, reporter: User) -> Incident:
    incident = (
        Incident.objects.select_for_update(of=("self",))
        .filter(pk=incident_id, reporter=reporter)
        .first()
    )
    if incident is None:
        raise NotYourReport()
    return incident


def incident_cancel(*, incident_id: int, reporter: User, reason: str = "") -> Incident:
    """The reporter withdraws a report nobody has handled yet (status `new` → `cancelled`)."""
    with transaction.atomic():
        incident = _locked(incident_id, reporter)
        if incident.status != Status.NEW:
            raise Conflict(
                _("Chỉ hủy được phản ánh chưa được tiếp nhận."),
                code="not_cancellable",
                details={"status": incident.status},
            )
        return incident_change(
            incident,
            actor=reporter,
            to_status=Status.CANCELLED,
            note=reason,
            fields={"closed_at": timezone.now()},
        )


def incident_rate(
    *, incident_id: int, reporter: User, stars: int, comment: str = ""
) -> tuple[Rating, bool]:
    """Record the reporter's rating; returns (rating, reopened)."""
    if not 1 <= stars <= 5:
        raise DomainError(_("Số sao từ 1 đến 5."), code="invalid_stars", details={"stars": stars})
    now = timezone.now()
    with transaction.atomic():
        incident = _locked(incident_id, reporter)
        if incident.status not in RATEABLE:
            raise Conflict(
                _("Chỉ đánh giá được phản ánh đã xử lý xong."),
                code="not_rateable",
                details={"status": incident.status},
            )
        rating = Rating.objects.filter(incident=incident).first()
        resolved_at = incident.resolved_at or incident.updated_at
        if rating is not None and rating.created_at >= resolved_at:
            raise Conflict(_("Bạn đã đánh giá kết quả xử lý này."), code="already_rated")
        rating = rating or Rating(incident=incident)
        rating.stars, rating.comment, rating.created_at = stars, comment, now
        rating.full_clean(exclude=["incident"])
        rating.save()
        reopen = stars <= REOPEN_MAX_STARS and now - resolved_at <= REOPEN_WINDOW
        entry = history_entry(
            incident,
            reporter,
            EventKind.RATING,
            note=comment,
            data={"stars": stars},
            created_at=now,
        )
        if reopen:
            note = str(_("Người dân đánh giá %(stars)d sao: mở lại.") % {"stars": stars})
            incident_change(
                incident,
                actor=reporter,
                to_status=Status.REOPENED,
                note=note,
                note_public=True,
                events=[entry],
            )
        else:
            incident_change(incident, actor=reporter, events=[entry])
    return rating, reopen
