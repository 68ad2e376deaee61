"""A published report as the portal shows it (page context and JSON): public fields only."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from backend.common.links import public_report_path
from backend.incidents.models import EventKind, Incident, PhotoKind, Status
from backend.incidents.selectors.public import public_text


def name_of(thing: Any) -> str:
    """A category's, ward's or unit's name in the page's language ("" for none)."""
    if thing is None:
        return ""
    english = getattr(thing, "name_en", "") if get_language() == "en" else ""
    return str(english or thing.name)


def status_display(status: str) -> str:
    return str(Status(status).label) if status in Status.values else status


def _photo(photo: Any) -> dict[str, Any]:
    return {"url": photo.image.url, "thumbnail_url": photo.thumbnail.url or photo.image.url}


def _entry(event: Any) -> dict[str, Any]:
    if event.kind == EventKind.COMMENT:
        title = _("Trả lời của đơn vị")
    else:
        title = status_display(event.to_status)
    return {
        "at": event.created_at,
        "kind": event.kind,
        "status": event.to_status or None,
        "title": title,
        "note": public_text(event.note) if event.note else "",
    }


def public_report(incident: Incident, *, interested: int) -> dict[str, Any]:
    """Everything the report's page shows; `interested` = followers + the reporter."""
    timeline = [_entry(e) for e in getattr(incident, "public_timeline", [])]
    answers = [e for e in timeline if e["kind"] == EventKind.COMMENT]
    photos = list(incident.photos.all())
    rating = getattr(incident, "rating", None)
    return {
        "reference": incident.reference,
        "public_url": public_report_path(incident.reference),
        "status": incident.status,
        "status_display": status_display(incident.status),
        "category": incident.category.code,
        "category_name": name_of(incident.category),
        "ward": name_of(incident.ward),
        "unit": name_of(incident.unit),
        "description": public_text(incident.description),
        "address": public_text(incident.address),
        "location": {"lat": incident.location.y, "lon": incident.location.x},
        "created_at": incident.created_at,
        "due_at": incident.due_at,
        "resolved_at": incident.resolved_at,
        "before": [_photo(p) for p in photos if p.kind == PhotoKind.REPORT],
        "after": [_photo(p) for p in photos if p.kind == PhotoKind.RESOLUTION],
        "answer": answers[-1]["note"] if answers else "",
        "rating": rating.stars if rating is not None else None,
        "timeline": timeline,
        "interested": interested,
    }
