"""Photos of the result, attached by the handling unit before it marks an incident resolved.

Cleaned exactly like resident photos (`photos.clean_photo`: verified, bounded, re-encoded without
metadata, with a thumbnail). Files are written before the row; if the transaction does not
commit they are deleted again, so a failure leaves nothing behind.
"""

from __future__ import annotations

from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _

from backend.common.errors import DomainError

from ..models import EventKind, Incident, IncidentPhoto, PhotoKind, Status
from ..photo_store import PhotoFiles
from ..photos import clean_photo
from .changes import history_entry, incident_change
from .workflow import HANDLE, require_roles

PHOTO_STATUSES = (Status.ASSIGNED, Status.IN_PROGRESS, Status.REOPENED)


def incident_add_resolution_photo(
    *, actor: Any, incident: Incident, upload: IO[bytes]
) -> IncidentPhoto:
    """Attach one cleaned result photo; appends an internal NOTE event naming it."""
    require_roles(actor=actor, incident=incident, roles=HANDLE)
    if incident.status not in PHOTO_STATUSES:
        raise DomainError(
            _("Chỉ thêm ảnh kết quả khi đang xử lý."),
            code="illegal_state",
            status_code=409,
            details={"status": incident.status},
        )
    clean = clean_photo(upload)
    photo = IncidentPhoto(
        incident=incident,
        kind=PhotoKind.RESOLUTION,
        width=clean.width,
        height=clean.height,
        sha256=clean.sha256,
        dhash=clean.dhash,
        uploaded_by=actor,
    )
    files = PhotoFiles()
    try:
        photo.image.name, photo.thumbnail.name = files.store(clean)
        with transaction.atomic():
            photo.save()
            note = history_entry(
                incident,
                actor,
                EventKind.NOTE,
                is_internal=True,
                note=_("Thêm ảnh kết quả xử lý."),
                data={"photo": photo.pk},
            )
            incident_change(incident, actor=actor, events=[note])
    except BaseException:
        files.discard()
        raise
    return photo
