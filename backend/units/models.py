"""Reference data of handling: the fields residents report under (categories), the units that
handle them (ward committees, city departments, utilities, police) and their staff, routing
rules, SLA policies and the work calendar."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
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
    is_urgent = models.BooleanField(
        _("khẩn cấp"),
        default=False,
        help_text=_("mọi phản ánh thuộc lĩnh vực này là tình huống khẩn cấp (cây đổ chắn đường…)"),
    )
    emergency_hours = models.PositiveSmallIntegerField(
        _("thời hạn khẩn cấp (giờ)"),
        default=4,
        help_text=_("thời hạn xử lý khi là tình huống khẩn cấp, tính theo giờ liên tục"),
    )
    # "already reported?": open reports of this field within this distance and age are offered
    # to a resident before they submit, and to staff as duplicate candidates
    duplicate_radius_m = models.PositiveIntegerField(
        _("bán kính trùng lặp (m)"),
        default=100,
        validators=[MinValueValidator(10), MaxValueValidator(2000)],
        help_text=_("phản ánh đang mở trong bán kính này được coi là có thể trùng"),
    )
    duplicate_window_days = models.PositiveSmallIntegerField(
        _("thời gian trùng lặp (ngày)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("chỉ xét các phản ánh gửi trong số ngày gần đây này"),
    )

    class Meta:
        verbose_name = _("lĩnh vực")
        verbose_name_plural = _("lĩnh vực")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


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


# Roles that may call a resident back: they see the reporter's name and phone number.
CONTACT_ROLES = frozenset({Role.OPERATOR, Role.LEADER, Role.SUPERVISOR, Role.ADMIN})


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
        return f"{self.user} — {self.unit} ({self.get_role_display()})"


class RoutingRule(models.Model):
    """(category, optional area) → unit; rules are tried by `priority`, the first match wins."""

    priority = models.PositiveIntegerField(_("thứ tự ưu tiên"), default=100)
    category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        related_name="routing_rules",
        verbose_name=_("lĩnh vực"),
    )
    area = models.ForeignKey(
        "geo.AdminArea",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="routing_rules",
        verbose_name=_("địa bàn"),
        help_text=_("để trống: áp dụng cho mọi địa bàn"),
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="routing_rules", verbose_name=_("đơn vị")
    )
    is_active = models.BooleanField(_("đang dùng"), default=True)

    class Meta:
        verbose_name = _("quy tắc chuyển đơn vị")
        verbose_name_plural = _("quy tắc chuyển đơn vị")
        ordering = ["priority", "id"]
        indexes = [models.Index(fields=["category", "priority"], name="routingrule_cat_prio")]

    def __str__(self) -> str:
        area = self.area.name if self.area is not None else _("mọi địa bàn")
        return f"#{self.priority} {self.category} / {area} → {self.unit}"


class SlaUnit(models.TextChoices):
    WORKING_HOURS = "working_hours", _("giờ làm việc")
    WORKING_DAYS = "working_days", _("ngày làm việc")


class SlaPolicy(models.Model):
    """Time allowed to handle a category, optionally specific to one unit."""

    category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        related_name="sla_policies",
        verbose_name=_("lĩnh vực"),
    )
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sla_policies",
        verbose_name=_("đơn vị"),
        help_text=_("để trống: mặc định cho lĩnh vực"),
    )
    amount = models.PositiveIntegerField(_("thời hạn"))
    period = models.CharField(
        _("đơn vị thời gian"),
        max_length=16,
        choices=SlaUnit.choices,
        default=SlaUnit.WORKING_DAYS,
    )

    class Meta:
        verbose_name = _("thời hạn xử lý")
        verbose_name_plural = _("thời hạn xử lý")
        constraints = [
            models.UniqueConstraint(
                fields=["category"], condition=Q(unit__isnull=True), name="sla_one_default"
            ),
            models.UniqueConstraint(
                fields=["category", "unit"],
                condition=Q(unit__isnull=False),
                name="sla_one_per_unit",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="sla_amount_positive"),
        ]

    def __str__(self) -> str:
        unit = self.unit if self.unit_id else _("mọi đơn vị")
        return f"{self.category} / {unit}: {self.amount} {self.get_period_display()}"


class DayKind(models.TextChoices):
    DAY_OFF = "day_off", _("ngày nghỉ")
    WORKING_DAY = "working_day", _("ngày làm bù")


class CalendarDay(models.Model):
    """An admin-edited exception to the legal calendar: extra day off or make-up working day."""

    date = models.DateField(_("ngày"), unique=True)
    kind = models.CharField(_("loại"), max_length=16, choices=DayKind.choices)
    note = models.CharField(_("ghi chú"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("ngày đặc biệt")
        verbose_name_plural = _("lịch làm việc")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}"
