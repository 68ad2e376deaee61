"""A resident submits a report: `incident_submit`.

Invariants and side effects:
- Location: explicit (lon, lat) wins, else the GPS of the first photo that has one, else
  `location_required` (400). The ward is `geo.locate`; outside the city → 422, nothing stored.
- Photos are cleaned (photos.clean_photo) before any write; the clean copies are written to
  storage first and deleted again if the transaction does not commit, so a failure leaves
  neither rows nor files. The service owns its transaction (`durable=True`): called inside
  another one it raises, because that outer rollback could not clean up the files.
- One transaction writes the incident, its photos, the first history entry and the deferred
  notification job (procrastinate writes the job through the same connection).
- Idempotency: (reporter, idempotency_key) is unique in the database. A retry with the same key
  returns the first incident (`created=False`), also when two retries race: the loser hits the
  constraint, removes its files and returns the winner's incident.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.contrib.gis.geos import Point
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import User
from backend.common.errors import DomainError
from backend.notifications.tasks import notify_incident_status_changed
from backend.units.routing import unit_for
from geo.locate import locate
from geo.models import AdminArea
from geo.points import make_point

from .. import grid
from ..deadlines import due_at_for
from ..models import (
    Category,
    Channel,
    EventKind,
    Incident,
    IncidentEvent,
    IncidentPhoto,
    LocationSource,
    Status,
)
from ..photos import CleanPhoto, clean_photo
from ..references import next_reference

MAX_PHOTOS = 5


class OutsideServiceArea(DomainError):
    status_code = 422
    code = "outside_service_area"
    default_message = _("Vị trí nằm ngoài địa bàn phục vụ.")


@dataclass(frozen=True)
class SubmitResult:
    incident: Incident
    created: bool


def incident_for_key(*, reporter: User, idempotency_key: str) -> Incident | None:
    if not idempotency_key:
        return None
    # Nearly every call is a miss (a first submit): ask for the id only, which costs a quarter
    # of the CPU of compiling the three-way join; a replay then loads the row (one query more).
    found = list(
        Incident.objects.filter(reporter=reporter, idempotency_key=idempotency_key).values_list(
            "pk", flat=True
        )[:1]
    )
    if not found:
        return None
    return Incident.objects.select_related("ward", "unit", "category").get(pk=found[0])


def incident_submit(
    *,
    reporter: User,
    category: Category,
    description: str,
    address: str = "",
    lon: float | None = None,
    lat: float | None = None,
    photos: Sequence[IO[bytes]] = (),
    idempotency_key: str = "",
    channel: str = Channel.MOBILE,
    attributes: dict[str, Any] | None = None,
) -> SubmitResult:
    """File a new report (see the module docstring for the rules).

    `channel`: where it came from (the app, or Open311 for third-party clients). `attributes`:
    the category's extra fields, already validated; kept on the first history entry.
    """
    existing = incident_for_key(reporter=reporter, idempotency_key=idempotency_key)
    if existing is not None:
        return SubmitResult(existing, created=False)
    if len(photos) > MAX_PHOTOS:
        raise DomainError(_("Tối đa 5 ảnh."), code="too_many_photos")
    cleaned = [_clean(i, upload) for i, upload in enumerate(photos)]
    exif = next((c for c in cleaned if c.gps is not None), None)
    exif_point = Point(*exif.gps, srid=4326) if exif and exif.gps else None
    if lon is not None and lat is not None:
        location, source = make_point(lon, lat), LocationSource.DEVICE
    elif exif_point is not None:
        location, source = exif_point, LocationSource.PHOTO
    else:
        raise DomainError(
            _("Cần vị trí: bật GPS hoặc gửi ảnh có thông tin vị trí."),
            code="location_required",
            details={"lat": _("Bắt buộc khi ảnh không có GPS."), "lon": _("Bắt buộc.")},
        )
    area = locate(location.x, location.y)
    if area is None:
        raise OutsideServiceArea(details={"lat": location.y, "lon": location.x})
    # The ward as `.only("id", "code", "name", "name_en")` would load it, but from locate's
    # in-process cache (the same data locate just used): one query less per report.
    ward = AdminArea.from_db(
        AdminArea.objects.db,
        ["id", "code", "name", "name_en"],
        [area.id, area.code, area.name, area.name_en],
    )
    unit = unit_for(category=category, ward=ward)
    now = timezone.now()
    incident = Incident(
        reporter=reporter,
        channel=channel,
        category=category,
        description=description,
        address=address,
        location=location,
        location_source=source,
        exif_location=exif_point,
        exif_taken_at=next((c.taken_at for c in cleaned if c.taken_at), None),
        ward=ward,
        unit=unit,
        status=Status.NEW,
        due_at=due_at_for(category=category, unit=unit, start=now),
        idempotency_key=idempotency_key,
        created_at=now,
    )
    # FKs were just read from the database; uniqueness and constraints are the database's job.
    incident.full_clean(
        exclude=["reporter", "category", "ward", "unit", "reference"],
        validate_unique=False,
        validate_constraints=False,
    )
    stored: list[str] = []
    try:
        photo_rows = [_store(c, reporter, stored) for c in cleaned]
        with transaction.atomic(durable=True):
            incident.reference = next_reference(now)
            incident.save(force_insert=True)
            grid.after_change(None, [incident.pk])  # the map's counts, same transaction
            for row in photo_rows:
                row.incident = incident
            IncidentPhoto.objects.bulk_create(photo_rows)
            event = IncidentEvent.objects.create(
                incident=incident,
                kind=EventKind.STATUS,
                actor=reporter,
                to_status=Status.NEW,
                unit=unit,
                data={"attributes": attributes} if attributes else {},
                created_at=now,
            )
            notify_incident_status_changed.defer(incident_id=incident.pk, event_id=event.pk)
    except IntegrityError:
        _delete(stored)
        winner = incident_for_key(reporter=reporter, idempotency_key=idempotency_key)
        if winner is None:
            raise
        return SubmitResult(winner, created=False)
    except BaseException:
        _delete(stored)
        raise
    return SubmitResult(incident, created=True)


def _clean(index: int, upload: IO[bytes]) -> CleanPhoto:
    try:
        return clean_photo(upload)
    except DomainError as exc:
        exc.details = {"photos": {str(index): str(exc.message)}}
        raise
    finally:
        # The original is not needed any more: free its in-memory copy (or temporary file) now
        # rather than when the request ends (less memory held during the writes and SQL).
        upload.close()


def _store(photo: CleanPhoto, reporter: User, stored: list[str]) -> IncidentPhoto:
    stamp = timezone.localtime().strftime("%Y/%m")
    name = uuid.uuid4().hex
    image = default_storage.save(f"incidents/{stamp}/{name}.jpg", ContentFile(photo.display))
    stored.append(image)
    thumb = default_storage.save(
        f"incidents/{stamp}/thumbs/{name}.jpg", ContentFile(photo.thumbnail)
    )
    stored.append(thumb)
    row = IncidentPhoto(
        width=photo.width,
        height=photo.height,
        sha256=photo.sha256,
        exif_location=Point(*photo.gps, srid=4326) if photo.gps else None,
        exif_taken_at=photo.taken_at,
        uploaded_by=reporter,
    )
    row.image.name = image
    row.thumbnail.name = thumb
    return row


def _delete(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)
