"""The staff map page (/staff/) and its sign-in page: server-rendered shells, data via the API."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie

from backend.common.language import vietnamese_unless_chosen
from backend.incidents.models import OPEN_STATUSES, Status
from backend.units.models import CONTACT_ROLES, Category
from backend.units.selectors import staff_scope, units_visible_to

from . import map_tokens
from .duplicates import duplicate_strings
from .tiles import POINT_MIN_ZOOM


def js_strings() -> dict[str, str]:
    """Text the script writes itself, in the page's language (msgids are Vietnamese)."""
    return {
        "loading": _("Đang tải…"),
        "empty": _("Không có phản ánh nào khớp bộ lọc."),
        "more": _("Xem thêm"),
        "overdue": _("Quá hạn"),
        "due_in": _("Còn %(time)s"),
        "overdue_by": _("Quá hạn %(time)s"),
        "days": _("%(n)s ngày"),
        "hours": _("%(n)s giờ"),
        "minutes": _("%(n)s phút"),
        "no_deadline": _("Chưa có hạn xử lý"),
        "reporter": _("Người phản ánh"),
        "anonymous": _("Không rõ"),
        "photos": _("Ảnh"),
        "history": _("Diễn biến"),
        "directions": _("Chỉ đạo"),
        "answers": _("Trả lời"),
        "actions": _("Thao tác"),
        "category": _("Lĩnh vực"),
        "ward": _("Phường/xã"),
        "unit": _("Đơn vị"),
        "assignee": _("Cán bộ được giao"),
        "address": _("Địa chỉ"),
        "created": _("Tiếp nhận lúc"),
        "deadline": _("Hạn xử lý"),
        "directions_link": _("Chỉ đường"),
        "note": _("Ghi chú / lý do"),
        "verify": _("Tiếp nhận phản ánh"),
        "assign": _("Phân công"),
        "transfer": _("Chuyển đơn vị"),
        "start": _("Bắt đầu xử lý"),
        "resolve": _("Báo cáo đã xử lý"),
        "reject": _("Từ chối phản ánh"),
        "close": _("Đóng phản ánh"),
        "reopen": _("Mở lại phản ánh"),
        "comment": _("Trả lời người dân"),
        "internal_note": _("Ghi chú nội bộ"),
        "reply_public": _("Gửi trả lời cho người dân"),
        "save_internal": _("Lưu ghi chú nội bộ (người dân không thấy)"),
        "internal_badge": _("Nội bộ"),
        "public_badge": _("Người dân thấy"),
        "direct": _("Gửi chỉ đạo"),
        "send": _("Gửi"),
        "photo": _("Ảnh kết quả"),
        "choose_person": _("Chọn cán bộ"),
        "choose_unit": _("Chọn đơn vị"),
        "done": _("Đã cập nhật."),
        "error": _("Không thực hiện được"),
        "list_count": _("%(n)s phản ánh trong vùng bản đồ"),
        "close_panel": _("Đóng"),
        "cell": _("%(n)s phản ánh: %(open)s đang mở, %(overdue)s quá hạn"),
        "legend": _("Chú giải"),
        "legend_overdue": _("Viền đỏ: quá hạn"),
        "legend_cell_overdue": _("Có phản ánh quá hạn"),
        "legend_cell_open": _("Có phản ánh đang mở"),
        "legend_cell_done": _("Đã xử lý hết"),
        **workspace_strings(),
    }


def workspace_strings() -> dict[str, str]:
    """The workspace's forms (forms.js, work.js): answers, field, location, transfer, bulk."""
    return {
        "answer_direction": _("Trả lời chỉ đạo"),
        "send_answer": _("Gửi trả lời chỉ đạo"),
        "change_category": _("Đổi lĩnh vực"),
        "pick_on_map": _("Chọn vị trí mới trên bản đồ"),
        "pick_hint": _("Bấm vào bản đồ hoặc kéo ghim đến vị trí đúng."),
        "latitude": _("Vĩ độ"),
        "longitude": _("Kinh độ"),
        "relocation": _("Vị trí mới thuộc %(ward)s, đơn vị xử lý: %(unit)s."),
        "unit_changes": _("Phản ánh sẽ chuyển sang đơn vị này."),
        "save_location": _("Lưu vị trí mới"),
        "search_unit": _("Tìm đơn vị theo tên"),
        "transfer_reason": _("Lý do chuyển (bắt buộc)"),
        "work_count": _("%(n)s phản ánh"),
        "bulk_pick": _("Chọn %(ref)s"),
        "bulk_count": _("Đã chọn %(n)s phản ánh"),
        "bulk_clear": _("Bỏ chọn"),
        "bulk_assign": _("Phân công các phản ánh đã chọn"),
        "bulk_transfer": _("Chuyển các phản ánh đã chọn"),
        "bulk_result": _("%(ok)s/%(n)s phản ánh đã cập nhật"),
        "reply_hint": _("Trả lời: người phản ánh nhận được. Ghi chú nội bộ: chỉ cán bộ thấy."),
    }


def _config(request: HttpRequest) -> dict[str, Any]:
    scope = staff_scope(request.user)
    lang = get_language() or "vi"
    categories = Category.objects.filter(is_active=True).order_by("sort_order", "name")
    return {
        "lang": lang,
        "api": "/api/staff/v1/",
        "wards_url": "/api/v1/geo/wards?tolerance=0.0002",
        "basemap": {
            "url": settings.MAP_BASEMAP_URL,
            "attribution": settings.MAP_BASEMAP_ATTRIBUTION,
        },
        "point_min_zoom": POINT_MIN_ZOOM,
        "map_token": map_tokens.issue(request.user),
        "area_codes": sorted(
            {c for c in units_visible_to(request.user).values_list("areas__code", flat=True) if c}
        )
        if not scope.is_global
        else [],
        "me": {
            "id": request.user.pk,
            "roles": sorted(scope.roles),
            "is_global": scope.is_global,
            "sees_contact": bool(scope.roles & CONTACT_ROLES),
        },
        "open_statuses": list(OPEN_STATUSES),
        "statuses": {value: str(label) for value, label in Status.choices},
        "categories": [
            {"id": c.pk, "name": c.name_en if lang == "en" else c.name} for c in categories
        ],
        "strings": {**js_strings(), **duplicate_strings()},
    }


@login_required
@ensure_csrf_cookie
def map_page(request: HttpRequest) -> HttpResponse:
    vietnamese_unless_chosen(request)
    if not staff_scope(request.user).is_staff:
        raise PermissionDenied
    lang = get_language() or "vi"
    units = [
        {"id": u.pk, "name": u.name_en if lang == "en" and u.name_en else u.name}
        for u in units_visible_to(request.user)[:500]
    ]
    return render(
        request,
        "staff/map.html",
        {"config": _config(request), "units": units, "statuses": Status.choices},
    )


class StaffLogoutView(auth_views.LogoutView):
    next_page = "staff-login"
