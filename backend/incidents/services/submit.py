"""Filing a new report: `incident_file` (every channel) and `incident_submit` (with photos).

Invariants and side effects:
- Location: an explicit point wins, else the GPS of the first photo that has one, else
  `location_required` (400). The ward is `geo.locate`; outside the city → `OutsideServiceArea`
  (422), nothing stored. Routing picks the unit, the SLA the deadline.
- `incident_file` writes the incident through `changes.incident_change` (first history entry,
  map counts, the reporter's update job) with its photo rows, in one transaction. A category
  configured as urgent files an emergency: deadline in hours, alert job (`emergency`).
- `incident_submit` cleans photos (photos.clean_photo) before any write; the clean copies are
  written to storage first and deleted again if the transaction does not commit, so a failure
  leaves neither rows nor files. It owns its transaction (`durable=True`): called inside another
  one it raises, because that outer rollback could not clean up the files.
- Idempotency: (reporter, idempotency_key) is unique in the database. A retry with the same key
  returns the first incident (`created=False`), also when two retries race: the loser hits the
  constraint, removes its files and returns the winner's incident. The key comes with a
  fingerprint of the request (fields and photo digests): the same key with a different request
  is refused (`idempotency_key_reused`, 422) instead of silently dropping the new content.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.contrib.gis.geos import Point
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import User
from backend.common.db import server_bound_cursor
from backend.common.errors import DomainError
from backend.common.uploads import uploaded_sha256
from backend.units.models import Category
from backend.units.routing import routing_for
from geo.locate import ward_at
from geo.models import AdminArea

from ..models import Channel, Incident, IncidentPhoto, LocationSource, Status
from ..photo_store import PhotoFiles
from ..photos import CleanPhoto, clean_photo
from ..references import next_reference
from .changes import incident_change
from .emergency import defer_emergency_alert

MAX_PHOTOS = 5


@dataclass(frozen=True)
class SubmitResult:
    incident: Incident
    created: bool


class IdempotencyKeyReused(DomainError):
    status_code = 422
    code = "idempotency_key_reused"
    default_message = _(
        "Idempotency-Key này đã dùng cho một phản ánh khác nội dung; hãy dùng khóa mới."
    )


def request_fingerprint(
    *,
    category: Category,
    description: str,
    address: str,
    location: Point | None,
    attributes: dict[str, Any] | None,
    photos: Sequence[IO[bytes]],
) -> str:
    """SHA-256 of what a submit asks for: a replay with the same key must match it."""
    digest = hashlib.sha256()
    where = f"{location.x:.7f},{location.y:.7f}" if location is not None else ""
    fields = [category.code, description.strip(), address.strip(), where]
    fields.append(json.dumps(attributes or {}, sort_keys=True, ensure_ascii=False))
    fields += [uploaded_sha256(upload) or _content_sha256(upload) for upload in photos]
    for part in fields:
        digest.update(part.encode() + b"\x00")
    return digest.hexdigest()


def _content_sha256(upload: IO[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: upload.read(1 << 20), b""):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _replayed(incident: Incident, fingerprint: str) -> SubmitResult:
    if incident.idempotency_fingerprint and incident.idempotency_fingerprint != fingerprint:
        raise IdempotencyKeyReused(details={"reference": incident.reference})
    return SubmitResult(incident, created=False)


# `idempotency_key <> ''` (always true here) is the unique index's predicate: stated, the plan
# prepared once for any key can use that partial index.
KEY_SQL = (
    f"SELECT id FROM {Incident._meta.db_table} WHERE reporter_id = %s AND idempotency_key = %s"
    " AND idempotency_key <> '' LIMIT 1"
)


def incident_for_key(*, reporter: User, idempotency_key: str) -> Incident | None:
    if not idempotency_key:
        return None
    # Nearly every call is a miss (a first submit): ask for the id only, a replay then loads
    # the row (one query more). On the primary, bound server-side: a prepared statement instead
    # of one compiled by the ORM and planned (over the incidents table's many indexes) on every
    # report.
    with server_bound_cursor() as cursor:
        cursor.execute(KEY_SQL, [reporter.pk, idempotency_key])
        found = cursor.fetchone()
    if found is None:
        return None
    return Incident.objects.select_related("ward", "unit", "category").get(pk=found[0])


def incident_file(
    *,
    reporter: User | None,
    category: Category,
    description: str,
    location: Point,
    channel: str = Channel.MOBILE,
    location_source: str = LocationSource.DEVICE,
    address: str = "",
    ward: AdminArea | None = None,
    exif_location: Point | None = None,
    exif_taken_at: dt.datetime | None = None,
    attributes: dict[str, Any] | None = None,
    idempotency_key: str = "",
    idempotency_fingerprint: str = "",
    photos: Sequence[IncidentPhoto] = (),
    intake: dict[str, Any] | None = None,
) -> Incident:
    """File a new incident from any channel (photo rows already stored, if any).

    `ward`: the ward of `location` when the caller already has it (`ward_at`). `attributes`:
    the category's extra fields, already validated; kept on the first history entry.
    `intake`: how the report came in beyond the channel (the operator who took a call, the
    caller's SMS consent), kept on the first history entry.
    """
    ward = ward or ward_at(location)
    now = timezone.now()
    routing = routing_for(category=category, ward=ward, start=now)
    incident = Incident(
        reporter=reporter,
        channel=channel,
        category=category,
        description=description,
        address=address,
        location=location,
        location_source=location_source,
        exif_location=exif_location,
        exif_taken_at=exif_taken_at,
        ward=ward,
        unit=routing.unit,
        due_at=routing.due_at,
        is_emergency=category.is_urgent,
        emergency_at=now if category.is_urgent else None,
        idempotency_key=idempotency_key,
        idempotency_fingerprint=idempotency_fingerprint,
        created_at=now,
    )
    # FKs were just read from the database; uniqueness and constraints are the database's job.
    incident.full_clean(
        exclude=["reporter", "category", "ward", "unit", "reference"],
        validate_unique=False,
        validate_constraints=False,
    )
    # No savepoint: nothing inside is caught and retried here, and a failure rolls back the
    # caller's whole transaction (incident_submit's) anyway — a savepoint would cost two round
    # trips per report for a rollback point nobody uses.
    with transaction.atomic(savepoint=False):
        incident.reference = next_reference(now)
        status_data: dict[str, Any] = dict(intake or {})
        if attributes:
            status_data["attributes"] = attributes
        incident_change(
            incident,
            actor=reporter,
            to_status=Status.NEW,
            status_data=status_data,
            at=now,
        )
        for row in photos:
            row.incident = incident
        IncidentPhoto.objects.bulk_create(photos)
        if incident.is_emergency:
            defer_emergency_alert(incident)
    return incident


def incident_submit(
    *,
    reporter: User,
    category: Category,
    description: str,
    address: str = "",
    location: Point | None = None,
    photos: Sequence[IO[bytes]] = (),
    idempotency_key: str = "",
    channel: str = Channel.MOBILE,
    attributes: dict[str, Any] | None = None,
    intake: dict[str, Any] | None = None,
) -> SubmitResult:
    """File a new report with its photos (see the module docstring for the rules)."""
    fingerprint = ""
    if idempotency_key:
        fingerprint = request_fingerprint(
            category=category,
            description=description,
            address=address,
            location=location,
            attributes=attributes,
            photos=photos,
        )
    existing = incident_for_key(reporter=reporter, idempotency_key=idempotency_key)
    if existing is not None:
        return _replayed(existing, fingerprint)
    if len(photos) > MAX_PHOTOS:
        raise DomainError(_("Tối đa 5 ảnh."), code="too_many_photos")
    cleaned = [_clean(i, upload) for i, upload in enumerate(photos)]
    exif = next((c for c in cleaned if c.gps is not None), None)
    exif_point = Point(*exif.gps, srid=4326) if exif and exif.gps else None
    if location is not None:
        source = LocationSource.DEVICE
    elif exif_point is not None:
        location, source = exif_point, LocationSource.PHOTO
    else:
        raise DomainError(
            _("Cần vị trí: bật GPS hoặc gửi ảnh có thông tin vị trí."),
            code="location_required",
            details={"lat": _("Bắt buộc khi ảnh không có GPS."), "lon": _("Bắt buộc.")},
        )
    ward = ward_at(location)
    files = PhotoFiles()
    try:
        photo_rows = [_store(c, reporter, files) for c in cleaned]
        with transaction.atomic(durable=True):
            incident = incident_file(
                reporter=reporter,
                category=category,
                description=description,
                location=location,
                channel=channel,
                location_source=source,
                address=address,
                ward=ward,
                exif_location=exif_point,
                exif_taken_at=next((c.taken_at for c in cleaned if c.taken_at), None),
                attributes=attributes,
                idempotency_key=idempotency_key,
                idempotency_fingerprint=fingerprint,
                photos=photo_rows,
                intake=intake,
            )
    except IntegrityError:
        files.discard()
        winner = incident_for_key(reporter=reporter, idempotency_key=idempotency_key)
        if winner is None:
            raise
        return _replayed(winner, fingerprint)
    except BaseException:
        files.discard()
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


def _store(photo: CleanPhoto, reporter: User, files: PhotoFiles) -> IncidentPhoto:
    image, thumb = files.store(photo)
    row = IncidentPhoto(
        width=photo.width,
        height=photo.height,
        sha256=photo.sha256,
        dhash=photo.dhash,
        exif_location=Point(*photo.gps, srid=4326) if photo.gps else None,
        exif_taken_at=photo.taken_at,
        uploaded_by=reporter,
    )
    row.image.name = image
    row.thumbnail.name = thumb
    return row
