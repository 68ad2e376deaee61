"""Administrative areas as data: boundary sets with an effective date, areas, lookup pieces."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    CITY = "city", _("Tỉnh/Thành phố")
    WARD = "ward", _("Phường")
    COMMUNE = "commune", _("Xã")
    SPECIAL_ZONE = "special_zone", _("Đặc khu")


ASSIGNABLE_LEVELS = (Level.WARD, Level.COMMUNE, Level.SPECIAL_ZONE)


class BoundarySet(models.Model):
    """One vintage of boundaries, in force from valid_from until valid_to (exclusive)."""

    slug = models.SlugField(_("mã"), max_length=64, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    valid_from = models.DateField(_("hiệu lực từ"))
    valid_to = models.DateField(_("hiệu lực đến (không kể)"), null=True, blank=True)
    source = models.TextField(_("nguồn"), blank=True)
    licence = models.TextField(_("giấy phép / ghi công"), blank=True)
    checksum = models.CharField(_("SHA-256 của tệp nguồn"), max_length=64, blank=True)
    loaded_at = models.DateTimeField(_("nạp lúc"), auto_now=True)

    class Meta:
        verbose_name = _("bộ địa giới")
        verbose_name_plural = _("bộ địa giới")
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="boundaryset_valid_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.valid_from:%Y-%m-%d}→{self.valid_to or '…'})"


class AdminArea(models.Model):
    boundary_set = models.ForeignKey(BoundarySet, on_delete=models.CASCADE, related_name="areas")
    code = models.CharField(_("mã đơn vị"), max_length=16)
    level = models.CharField(_("cấp"), max_length=16, choices=Level.choices)
    name = models.CharField(_("tên"), max_length=200)
    short_name = models.CharField(_("tên ngắn"), max_length=200, blank=True)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=200, blank=True)
    name_ascii = models.CharField(_("tên không dấu"), max_length=200, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    area_km2 = models.FloatField(_("diện tích (km²)"), null=True, blank=True)
    properties = models.JSONField(_("thuộc tính gốc"), default=dict, blank=True)
    geom = models.MultiPolygonField(srid=4326)

    class Meta:
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = _("đơn vị hành chính")
        ordering = ["boundary_set", "code"]
        constraints = [
            models.UniqueConstraint(fields=["boundary_set", "code"], name="adminarea_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class AreaPiece(models.Model):
    """ST_Subdivide pieces of assignable areas: small polygons make point lookups cheap."""

    # No b-tree index on the set or the area: the planner would AND it with the GiST
    # index and scan every piece of the set on each lookup (measured: 10x slower). The
    # GiST index alone finds the 1–3 candidate pieces; the set is a cheap filter.
    area = models.ForeignKey(
        AdminArea, on_delete=models.CASCADE, related_name="pieces", db_index=False
    )
    boundary_set = models.ForeignKey(
        BoundarySet, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    area_code = models.CharField(max_length=16)  # copied for the deterministic tie-break
    geom = models.PolygonField(srid=4326)


class AreaAssignment(models.Model):
    """A stored point's area in one boundary set, written as fresh rows in bulk.

    Re-mapping millions of historical rows to a new boundary set by inserting narrow rows
    here is cheaper than rewriting the wide rows in place (see docs/PERFORMANCE.md);
    `subject` is the model label ("incidents.incident"), so geo imports no domain app.
    """

    boundary_set = models.ForeignKey(
        BoundarySet, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    subject = models.CharField(max_length=64)
    object_id = models.BigIntegerField()
    area = models.ForeignKey(AdminArea, on_delete=models.CASCADE, related_name="+", db_index=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["boundary_set", "subject", "object_id"], name="areaassignment_unique"
            ),
        ]
