"""Our incidents, categories and history as GeoReport v2 items (names and types of the spec).

Nothing about the reporter is ever written here: no name, phone, e-mail, account or device.
Photos are the clean copies (re-encoded, no metadata); resident text goes through public_text.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from rest_framework.request import Request

from backend.incidents.attributes import Attribute, attributes_of
from backend.incidents.models import (
    OPEN_STATUSES,
    Incident,
    IncidentEvent,
    IncidentPhoto,
    PhotoKind,
    Status,
)
from backend.incidents.selectors.public import public_text
from backend.units.models import Category
from geo.points import coordinate_out

DATATYPES = {
    "text": "string",
    "number": "number",
    "choice": "singlevaluelist",
    "multichoice": "multivaluelist",
}


def iso(value: dt.datetime | None) -> str | None:
    """ISO 8601 with the offset, shown in Asia/Ho_Chi_Minh (…T08:15:30+07:00)."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def english() -> bool:
    return (get_language() or "vi").startswith("en")


def _name(obj: Any) -> str | None:
    if obj is None:
        return None
    translated = getattr(obj, "name_en", "") if english() else ""
    return str(translated or obj.name)


def open311_status(status: str) -> str:
    return "open" if status in OPEN_STATUSES else "closed"


def service(category: Category) -> dict[str, Any]:
    other = category.name if english() else category.name_en
    return {
        "service_code": category.code,
        "service_name": _name(category),
        "description": other,
        "metadata": bool(attributes_of(category.code)),
        "type": "realtime",
        "keywords": category.field,
        "group": category.field,
    }


def _attribute(attr: Attribute) -> dict[str, Any]:
    return {
        "variable": True,
        "code": attr.code,
        "datatype": DATATYPES[attr.kind],
        "required": attr.required,
        "datatype_description": str(attr.help) or None,
        "order": attr.order,
        "description": str(attr.description),
        "values": [{"key": key, "name": str(name)} for key, name in attr.choices],
    }


def service_definition(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "attributes": [_attribute(a) for a in attributes_of(category.code)],
    }


def _url(request: Request, photo: IncidentPhoto, thumb: bool = False) -> str:
    return request.build_absolute_uri((photo.thumbnail if thumb else photo.image).url)


def _photos(incident: Incident) -> list[IncidentPhoto]:
    return list(incident.photos.all())


def service_request(incident: Incident, request: Request, *, extended: bool) -> dict[str, Any]:
    photos = _photos(incident)
    first = next((p for p in photos if p.kind == PhotoKind.REPORT), photos[0] if photos else None)
    body: dict[str, Any] = {
        "service_request_id": incident.reference,
        "status": open311_status(incident.status),
        "status_notes": getattr(incident, "public_note", None) or None,
        "service_name": _name(incident.category),
        "service_code": incident.category.code,
        "description": public_text(incident.description),
        "agency_responsible": _name(incident.unit),
        "service_notice": None,
        "requested_datetime": iso(incident.created_at),
        "updated_datetime": iso(incident.updated_at),
        "expected_datetime": iso(incident.due_at),
        "address": incident.address or None,
        "address_id": None,
        "zipcode": None,
        "lat": coordinate_out(incident.location.y),
        "long": coordinate_out(incident.location.x),
        "media_url": _url(request, first) if first else None,
    }
    if extended:
        body["extended_attributes"] = _extended(incident, photos, request)
    return body


def _extended(incident: Incident, photos: list[IncidentPhoto], request: Request) -> dict[str, Any]:
    history: list[IncidentEvent] = getattr(incident, "public_history", [])
    rating = getattr(incident, "rating", None) if incident.status != Status.MERGED else None
    return {
        "ward": {"code": incident.ward.code, "name": _name(incident.ward)},
        "detailed_status": incident.status,
        "detailed_status_label": str(Status(incident.status).label),
        "channel": incident.channel,
        "resolved_datetime": iso(incident.resolved_at),
        "duplicate_of": incident.merged_into.reference if incident.merged_into else None,
        "rating": rating.stars if rating else None,
        "photos": [
            {
                "kind": p.kind,
                "url": _url(request, p),
                "thumbnail_url": _url(request, p, thumb=True),
                "width": p.width,
                "height": p.height,
            }
            for p in photos
        ],
        "notes": [
            {"datetime": iso(e.created_at), "status": e.to_status or None, "note": e.note}
            for e in history
        ],
    }


def request_update(event: IncidentEvent) -> dict[str, Any]:
    status = event.to_status or event.incident.status
    return {
        "update_id": str(event.pk),
        "service_request_id": event.incident.reference,
        "status": open311_status(status),
        "updated_datetime": iso(event.created_at),
        "description": event.note or str(Status(status).label),
        "media_url": None,
        "extended_attributes": {"detailed_status": status},
    }


def created(incident: Incident, token: str) -> dict[str, Any]:
    notice = None
    if incident.due_at:
        notice = _("Hạn xử lý: %(due)s — %(unit)s") % {
            "due": timezone.localtime(incident.due_at).strftime("%d/%m/%Y %H:%M"),
            "unit": _name(incident.unit) or "",
        }
    return {
        "service_request_id": incident.reference,
        "token": token,
        "service_notice": notice,
        "account_id": None,
    }
