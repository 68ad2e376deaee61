"""Incidents (phản ánh) and the reference data they are filed under."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GinIndex, GistIndex, OpClass
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    NEW = "new", _("Mới")
    RECEIVED = "received", _("Đã tiếp nhận")
    ASSIGNED = "assigned", _("Đã phân công")
    IN_PROGRESS = "in_progress", _("Đang xử lý")
    RESOLVED = "resolved", _("Đã xử lý")
    CLOSED = "closed", _("Đã đóng")
    REJECTED = "rejected", _("Từ chối")
    TRANSFERRED = "transferred", _("Đã chuyển")
    REOPENED = "reopened", _("Mở lại")
    MERGED = "merged", _("Trùng lặp")
    CANCELLED = "cancelled", _("Đã hủy")


OPEN_STATUSES = (
    Status.NEW,
    Status.RECEIVED,
    Status.ASSIGNED,
    Status.IN_PROGRESS,
    Status.TRANSFERRED,
    Status.REOPENED,
)


class Channel(models.TextChoices):
    MOBILE = "mobile", _("Ứng dụng di động")
    OPEN311 = "open311", _("Open311")
    HOTLINE = "hotline", _("Tổng đài 1022")
    WEB = "web", _("Cổng thông tin")
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"
    ZALO = "zalo", "Zalo"
    MESSENGER = "messenger", "Facebook Messenger"


class LocationSource(models.TextChoices):
    DEVICE = "device", _("Thiết bị")
    PHOTO = "photo", _("GPS trong ảnh")
    ADDRESS = "address", _("Địa chỉ")


def open_q() -> Q:
    """Still being handled: not resolved, closed, rejected, merged or cancelled."""
    return Q(status__in=OPEN_STATUSES)


def overdue_q(now: dt.datetime) -> Q:
    """Open and past its deadline at `now`."""
    return Q(status__in=OPEN_STATUSES, due_at__lt=now)


class IncidentQuerySet(models.QuerySet["Incident"]):
    def open(self) -> IncidentQuerySet:
        return self.filter(open_q())

    def overdue(self, now: dt.datetime | None = None) -> IncidentQuerySet:
        return self.filter(overdue_q(now or timezone.now()))


class Incident(models.Model):
    reference = models.CharField(_("số phản ánh"), max_length=32, unique=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents",
    )
    channel = models.CharField(
        _("kênh"), max_length=16, choices=Channel.choices, default=Channel.MOBILE
    )
    category = models.ForeignKey(
        "units.Category", on_delete=models.PROTECT, related_name="incidents"
    )
    description = models.TextField(_("nội dung"), max_length=4000)
    address = models.CharField(_("địa chỉ"), max_length=500, blank=True)
    location = models.PointField(_("vị trí"), srid=4326)
    location_source = models.CharField(
        _("nguồn vị trí"),
        max_length=16,
        choices=LocationSource.choices,
        default=LocationSource.DEVICE,
    )
    exif_location = models.PointField(_("vị trí trong ảnh"), srid=4326, null=True, blank=True)
    exif_taken_at = models.DateTimeField(_("thời điểm chụp"), null=True, blank=True)
    ward = models.ForeignKey(
        "geo.AdminArea",
        on_delete=models.PROTECT,
        related_name="incidents",
        verbose_name=_("phường/xã"),
    )
    unit = models.ForeignKey(
        "units.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents",
        verbose_name=_("đơn vị xử lý"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_incidents",
        verbose_name=_("cán bộ xử lý"),
    )
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=Status.choices, default=Status.NEW
    )
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
        verbose_name=_("trùng với"),
    )
    due_at = models.DateTimeField(_("hạn xử lý"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("xử lý xong lúc"), null=True, blank=True)
    closed_at = models.DateTimeField(_("đóng lúc"), null=True, blank=True)
    is_late = models.BooleanField(_("trễ hạn"), null=True, blank=True)
    is_public = models.BooleanField(_("công khai"), default=True)
    # db_default: raw INSERTs (generate_incidents, bulk loaders) need not name the column
    is_emergency = models.BooleanField(_("khẩn cấp"), default=False, db_default=False)
    emergency_at = models.DateTimeField(_("báo khẩn cấp lúc"), null=True, blank=True)
    version = models.PositiveIntegerField(_("phiên bản"), default=1)  # optimistic locking
    idempotency_key = models.CharField(max_length=128, blank=True)
    # SHA-256 of what was sent with the key: a retry must send the same request
    idempotency_fingerprint = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now, db_index=False)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("phản ánh")
        verbose_name_plural = _("phản ánh")
        indexes = [
            models.Index(fields=["status", "-created_at"], name="incident_status_created"),
            models.Index(fields=["ward", "-created_at"], name="incident_ward_created"),
            models.Index(fields=["unit", "status", "due_at"], name="incident_unit_status_due"),
            models.Index(fields=["reporter", "-created_at"], name="incident_reporter_created"),
            models.Index(fields=["-created_at"], name="incident_created"),
            # staff handling: a unit's newest first, overdue counts, late rate per period
            models.Index(fields=["unit", "-created_at"], name="incident_unit_created"),
            models.Index(
                fields=["due_at"],
                include=["unit"],
                condition=Q(status__in=OPEN_STATUSES),
                name="incident_open_due",
            ),
            # map tiles at street zooms: the newest open incidents inside a tile, read from
            # the index alone (filters and tile attributes are carried in it)
            models.Index(
                fields=["id"],
                include=["location", "status", "due_at", "unit", "category", "ward"],
                condition=Q(status__in=OPEN_STATUSES),
                name="incident_open_newest",
            ),
            # ... and a unit's newest incidents inside a tile (staff scoped to their units)
            models.Index(
                fields=["unit", "id"],
                include=["location", "status", "due_at"],
                name="incident_unit_newest",
            ),
            # the emergency escalation sweep (every minute): the few unacknowledged emergencies
            models.Index(
                fields=["emergency_at"],
                condition=Q(is_emergency=True, status="new"),
                name="incident_emergency_new",
            ),
            # the public map's period filter ("last 30 days") counted live on its low zooms,
            # from the index alone (the other filters it offers carried in it). Its street
            # zooms read `incident_published_cell` (selectors.portal, an expression index kept
            # by migration 0019, not in this list)
            models.Index(
                fields=["created_at"],
                include=["location", "status", "category", "ward"],
                condition=Q(is_public=True, merged_into__isnull=True),
                name="incident_published_created",
            ),
            # the public map's low zooms: reports staff hid, taken off the counts per cell.
            # An expression, not fields=["location"]: for one geometry field Django's PostGIS
            # schema editor writes its own spatial index and drops the condition.
            GistIndex(F("location"), condition=Q(is_public=False), name="incident_hidden"),
            # open emergencies on top of every staff list (selectors.staff.EmergenciesFirst)
            models.Index(
                F("created_at").desc(),
                condition=Q(is_emergency=True, status__in=OPEN_STATUSES),
                name="incident_open_emergency",
            ),
            # "already reported?": open incidents near a point (selectors.duplicates)
            # An expression for the reason above: with fields=["location"] the condition is dropped
            GistIndex(
                F("location"), condition=Q(status__in=OPEN_STATUSES), name="incident_open_location"
            ),
            models.Index(
                fields=["resolved_at"],
                include=["unit", "is_late"],
                condition=Q(resolved_at__isnull=False),
                name="incident_resolved_late",
            ),
            # the leaders' dashboard of a ward: its resolved counts from the index alone
            models.Index(
                fields=["ward", "resolved_at"],
                include=["unit", "is_late"],
                condition=Q(resolved_at__isnull=False),
                name="incident_ward_resolved",
            ),
            # ... and its open reports (open, overdue, due soon) from the index alone
            models.Index(
                fields=["ward"],
                include=["unit", "due_at"],
                condition=Q(status__in=OPEN_STATUSES),
                name="incident_ward_open",
            ),
            # hotspots: the reports filed in a period, with their place, from the index alone
            models.Index(
                fields=["created_at"],
                include=["location", "category", "unit"],
                name="incident_created_place",
            ),
            # staff text search (`q`): reference__iexact and description/address__icontains
            # compile to UPPER(col) = / LIKE UPPER(%s); these are the same expressions, so the
            # OR becomes a BitmapOr instead of a scan of every incident (pg_trgm, migration 0006)
            models.Index(Upper("reference"), name="incident_reference_upper"),
            GinIndex(OpClass(Upper("description"), name="gin_trgm_ops"), name="incident_text_trgm"),
            GinIndex(OpClass(Upper("address"), name="gin_trgm_ops"), name="incident_address_trgm"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(description=""), name="incident_has_text"),
            models.UniqueConstraint(
                fields=["reporter", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="incident_idempotency_key",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class PhotoKind(models.TextChoices):
    REPORT = "report", _("Ảnh phản ánh")
    RESOLUTION = "resolution", _("Ảnh kết quả xử lý")


class IncidentPhoto(models.Model):
    """A clean copy of an uploaded photo: re-encoded, no metadata, display size + thumbnail."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField(max_length=16, choices=PhotoKind.choices, default=PhotoKind.REPORT)
    image = models.ImageField(_("ảnh"), upload_to="incidents/%Y/%m/")
    thumbnail = models.ImageField(_("ảnh thu nhỏ"), upload_to="incidents/%Y/%m/thumbs/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, help_text=_("của tệp gốc đã tải lên"))
    exif_location = models.PointField(srid=4326, null=True, blank=True)
    exif_taken_at = models.DateTimeField(null=True, blank=True)
    # 64-bit difference hash of the clean copy (photos.dhash), signed to fit a bigint: two photos
    # of the same pothole differ in a few bits (duplicate candidates); None for older photos
    dhash = models.BigIntegerField(_("mã băm cảm nhận"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("ảnh")
        verbose_name_plural = _("ảnh")
        ordering = ["created_at", "id"]


class EventKind(models.TextChoices):
    STATUS = "status", _("Đổi trạng thái")
    UNIT = "unit", _("Đổi đơn vị")
    CATEGORY = "category", _("Đổi lĩnh vực")
    LOCATION = "location", _("Đổi vị trí")
    ASSIGNEE = "assignee", _("Phân công cán bộ")
    COMMENT = "comment", _("Trả lời người dân")
    NOTE = "note", _("Ghi chú nội bộ")
    DIRECTION = "direction", _("Chỉ đạo")
    RATING = "rating", _("Đánh giá")


class IncidentEvent(models.Model):
    """Append-only history: every change is a new row, never an edit."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    unit = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    is_internal = models.BooleanField(default=False, help_text=_("không hiển thị cho người dân"))
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("lịch sử")
        verbose_name_plural = _("lịch sử")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["incident", "created_at"], name="event_incident_time")]


class Rating(models.Model):
    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="rating")
    stars = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(stars__gte=1, stars__lte=5), name="rating_stars_1_5"
            ),
        ]


class IncidentGridCount(models.Model):
    """How many incidents lie in a map cell, per status, category, unit, ward and overdue flag.

    Kept by the incidents table's triggers (`backend.incidents.grid`) in the statement of every
    write that moves an incident between keys, whoever sends it; rebuilt from scratch by
    `manage.py rebuild_incident_grid`. A cell is the Web Mercator tile (`cell_x`, `cell_y`) at
    zoom `cell_z` (geo.tiles.CELL_ZOOMS): low-zoom map tiles sum these rows instead of counting
    millions of incidents. `is_overdue` is "open and due before `IncidentGridState.overdue_as_of`";
    incidents falling due after that instant are counted live (few) until the next roll.
    `sum_lon`/`sum_lat` place a cell's feature at the mean position of its incidents.
    """

    cell_z = models.PositiveSmallIntegerField()
    cell_x = models.IntegerField()
    cell_y = models.IntegerField()
    status = models.CharField(max_length=16, choices=Status.choices)
    category_id = models.BigIntegerField()
    unit_id = models.BigIntegerField(null=True)
    ward_id = models.BigIntegerField()
    is_overdue = models.BooleanField()
    n = models.IntegerField()
    sum_lon = models.FloatField()
    sum_lat = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "cell_z",
                    "cell_x",
                    "cell_y",
                    "status",
                    "category_id",
                    "unit_id",
                    "ward_id",
                    "is_overdue",
                ],
                name="incident_grid_key",
                nulls_distinct=False,
            ),
        ]


class IncidentGridState(models.Model):
    """One row: the instant the grid's `is_overdue` flags were computed for (see grid.roll)."""

    overdue_as_of = models.DateTimeField()


class IncidentResolvedDay(models.Model):
    """How many incidents of a unit were resolved on a local day, and how many of them late —
    the leaders' dashboard's periods, trend and ranking for a unit and for the city, summed
    from ~170 rows a day instead of counted from ~3,000 incidents a day.

    Kept by the incidents table's own triggers (migration 0015) in the statement that changes
    an incident, so it always equals counting the incidents (`resolved_between`, `LATE`): each
    old row counts −1 and each new row +1 (unchanged rows cancel and write nothing). Days are
    Asia/Ho_Chi_Minh dates, frozen in the trigger. `unit_id` is no foreign key (no lock on
    units per write); NULL = incidents without a unit.
    """

    day = models.DateField()
    unit_id = models.BigIntegerField(null=True)
    resolved = models.IntegerField(default=0)
    late = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "unit_id"], nulls_distinct=False, name="incident_resolved_day_key"
            ),
        ]
        indexes = [models.Index(fields=["unit_id", "day"], name="incident_resolved_unit_day")]

    def __str__(self) -> str:
        return f"{self.day} unit {self.unit_id}: {self.resolved} ({self.late} late)"
