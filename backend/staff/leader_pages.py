"""The leaders' dashboard page: a server-rendered shell; every number comes from the API
(`leaders.py`), which reads the one dashboard selector."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie

from backend.notifications.digest_notices import FIELD_LABELS
from backend.units.models import Category
from backend.units.selectors import staff_scope, units_visible_to
from geo.locate import boundary_set_id_at
from geo.models import ASSIGNABLE_LEVELS, AdminArea

from .pages import vietnamese_unless_chosen


def dashboard_strings() -> dict[str, str]:
    return {
        "loading": _("Đang tải…"),
        "error": _("Không tải được số liệu"),
        "week": _("Tuần này"),
        "month": _("Tháng này"),
        "quarter": _("Quý này"),
        "previous": _("Kỳ trước"),
        "resolved": _("Đã xử lý"),
        "on_time": _("Đúng hạn"),
        "late": _("Trễ hạn"),
        "late_rate": _("Tỉ lệ trễ"),
        "overdue": _("Quá hạn"),
        "unit": _("Đơn vị"),
        "rank": _("Hạng"),
        "reference": _("Số phản ánh"),
        "category": _("Lĩnh vực"),
        "overdue_hours": _("Quá hạn (giờ)"),
        "none": _("Không có"),
        "by": _("Người chỉ đạo"),
        "cell": _("Điểm"),
        "reports": _("Phản ánh"),
        "change": _("Thay đổi"),
        "new_hotspot": _("mới"),
        "sent": _("đã gửi"),
        "pending": _("đang chờ"),
        "failed": _("thất bại"),
        "skipped": _("bỏ qua"),
        "received": _("Tiếp nhận"),
        "still_overdue": _("Còn quá hạn"),
        "total": _("Tổng cộng"),
        "ratings": _("%(n)s đánh giá"),
    }


def _scope_choices(request: HttpRequest) -> dict[str, Any]:
    scope = staff_scope(request.user)
    lang = get_language() or "vi"
    units = [
        {"id": u.pk, "name": u.name_en if lang == "en" and u.name_en else u.name}
        for u in units_visible_to(request.user)[:500]
    ]
    fields = sorted(set(Category.objects.filter(is_active=True).values_list("field", flat=True)))
    return {
        "city": scope.is_global,
        "units": units,
        "wards": [
            {"id": pk, "name": name}
            for pk, name in AdminArea.objects.filter(
                boundary_set_id=boundary_set_id_at(), level__in=ASSIGNABLE_LEVELS
            )
            .order_by("name")
            .values_list("pk", "name")
        ],
        "fields": [{"code": f, "name": str(FIELD_LABELS.get(f, f))} for f in fields],
    }


@login_required
@ensure_csrf_cookie
def dashboard_page(request: HttpRequest) -> HttpResponse:
    vietnamese_unless_chosen(request)
    if not staff_scope(request.user).is_staff:
        raise PermissionDenied
    config = {
        "lang": get_language() or "vi",
        "api": reverse("staff:dashboard").rsplit("dashboard", 1)[0],
        "wards_url": reverse("geo-wards") + "?tolerance=0.0005",
        "basemap": {
            "url": settings.MAP_BASEMAP_URL,
            "attribution": settings.MAP_BASEMAP_ATTRIBUTION,
        },
        "choices": _scope_choices(request),
        "strings": dashboard_strings(),
    }
    return render(request, "staff/dashboard.html", {"config": config})
