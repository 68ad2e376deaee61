"""Incidents (phản ánh) and the reference data they are filed under."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Category(models.Model):
    """A reporting field (lĩnh vực) such as roads, flooding or rubbish."""

    code = models.SlugField(_("mã"), max_length=64, unique=True)
    field = models.CharField(_("nhóm lĩnh vực"), max_length=64)
    name = models.CharField(_("tên"), max_length=200)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=200)
    icon = models.CharField(_("biểu tượng"), max_length=64, blank=True)
    is_active = models.BooleanField(_("đang dùng"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        verbose_name = _("lĩnh vực")
        verbose_name_plural = _("lĩnh vực")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


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


class IncidentQuerySet(models.QuerySet["Incident"]):
    def open(self) -> IncidentQuerySet:
        return self.filter(status__in=OPEN_STATUSES)


class Incident(models.Model):
    reference = models.CharField(_("số phản ánh"), max_length=32, unique=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents",
    )
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="incidents")
    description = models.TextField(_("nội dung"), max_length=4000)
    address = models.CharField(_("địa chỉ"), max_length=500, blank=True)
    location = models.PointField(_("vị trí"), srid=4326)
    ward = models.ForeignKey(
        "geo.AdminArea",
        on_delete=models.PROTECT,
        related_name="incidents",
        verbose_name=_("phường/xã"),
    )
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=Status.choices, default=Status.NEW
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("phản ánh")
        verbose_name_plural = _("phản ánh")
        indexes = [
            models.Index(fields=["status", "-created_at"], name="incident_status_created"),
            models.Index(fields=["ward", "-created_at"], name="incident_ward_created"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(description=""), name="incident_has_text"),
        ]

    def __str__(self) -> str:
        return self.reference
