"""Handling units (ward committees, city departments, utilities, police) and their staff."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    WARD_COMMITTEE = "ward_committee", _("UBND phường/xã/đặc khu")
    DEPARTMENT = "department", _("Sở, ngành")
    UTILITY = "utility", _("Doanh nghiệp công ích")
    POLICE = "police", _("Công an")
    CITY_OFFICE = "city_office", _("Văn phòng UBND Thành phố")
    OTHER = "other", _("Khác")


class Unit(models.Model):
    code = models.SlugField(_("mã"), max_length=64, unique=True)
    name = models.CharField(_("tên"), max_length=255)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=255, blank=True)
    kind = models.CharField(_("loại"), max_length=32, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("đơn vị cấp trên"),
    )
    areas = models.ManyToManyField(
        "geo.AdminArea", blank=True, related_name="units", verbose_name=_("địa bàn phụ trách")
    )
    fields = models.JSONField(
        _("lĩnh vực phụ trách"),
        default=list,
        blank=True,
        help_text=_('danh sách mã nhóm lĩnh vực, ví dụ ["traffic"]'),
    )
    leader_name = models.CharField(_("lãnh đạo"), max_length=200, blank=True)
    leader_phone = models.CharField(_("điện thoại lãnh đạo"), max_length=16, blank=True)
    leader_email = models.EmailField(_("email lãnh đạo"), blank=True)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OPERATOR = "operator", _("Tiếp nhận")
    HANDLER = "handler", _("Xử lý")
    LEADER = "leader", _("Lãnh đạo đơn vị")
    SUPERVISOR = "supervisor", _("Giám sát Thành phố")
    ADMIN = "admin", _("Quản trị")


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("vai trò"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("cán bộ")
        verbose_name_plural = _("cán bộ")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.unit} ({self.role})"
