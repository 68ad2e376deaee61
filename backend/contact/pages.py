"""The operator console page (/tong-dai/): a server-rendered shell, data through the console API."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie

from backend.units.models import Category

from .models import CLOSING_OUTCOMES, Outcome
from .selectors import is_operator
from .stats import stats_scope


def js_strings() -> dict[str, str]:
    """Text the script writes itself, in the page's language (msgids are Vietnamese)."""
    return {
        "waiting": _("Cuộc gọi đang chờ"),
        "no_calls": _("Không có cuộc gọi chờ."),
        "take": _("Nhận cuộc gọi"),
        "caller": _("Người gọi"),
        "earlier": _("Phản ánh trước đây"),
        "none_earlier": _("Chưa có phản ánh nào."),
        "pick_place": _("Bấm vào bản đồ để chọn vị trí."),
        "outside": _("Vị trí nằm ngoài địa bàn phục vụ."),
        "no_unit": _("Chưa có đơn vị phụ trách"),
        "saved": _("Đã tạo phản ánh %(reference)s"),
        "answered": _("Đã ghi nhận trả lời."),
        "closed": _("Đã kết thúc cuộc gọi."),
        "answer": _("Trả lời bằng bài này"),
        "no_results": _("Không tìm thấy."),
        "error": _("Không thực hiện được"),
        "emergency": _("Khẩn cấp"),
        "not_informed": _("chưa báo được cho người gọi"),
        "queued": _("Chưa có vị trí hoặc cần xác minh: đã chuyển vào hộp phân loại (#%(id)s)."),
        "claim": _("Nhận xử lý"),
        "open": _("Mở"),
        "held_by": _("%(name)s đang xử lý"),
        "inbox_empty": _("Hộp phân loại trống."),
        "verify": _("Cần xác minh"),
        "rejected": _("Đã từ chối; lý do được gửi cho người phản ánh."),
        "reason_required": _("Cần ghi rõ lý do."),
        "chat_resident": _("Người dân"),
        "chat_bot": _("1022 (tự động)"),
        "chat_pending": _("đang gửi"),
        "chat_sent": _("đã gửi"),
        "chat_failed": _("gửi không được"),
        "chat_by_sms": _(
            "Người dân đã lâu không nhắn trên %(channel)s: trả lời sẽ được gửi bằng SMS."
        ),
        "chat_empty": _("Nội dung trả lời trống."),
        "chat_done": _("Đã gửi trả lời."),
    }


@login_required
@ensure_csrf_cookie
def console_page(request: HttpRequest) -> HttpResponse:
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:  # Vietnamese unless chosen
        translation.activate(settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = settings.LANGUAGE_CODE
    if not is_operator(request.user):
        raise PermissionDenied
    lang = get_language() or "vi"
    categories = Category.objects.filter(is_active=True).order_by("sort_order", "name")
    config: dict[str, Any] = {
        "lang": lang,
        "user_id": request.user.pk,
        "api": "/api/contact/v1/",
        "conversations_api": "/api/conversations/v1/conversations/",
        "wards_url": "/api/v1/geo/wards?tolerance=0.0002",
        "basemap": {
            "url": settings.MAP_BASEMAP_URL,
            "attribution": settings.MAP_BASEMAP_ATTRIBUTION,
        },
        "strings": js_strings(),
    }
    return render(
        request,
        "contact/console.html",
        {
            "config": config,
            "categories": [
                {"id": c.pk, "name": c.name_en if lang == "en" else c.name} for c in categories
            ],
            "outcomes": [(str(o), o.label) for o in CLOSING_OUTCOMES],
        },
    )


def stats_strings() -> dict[str, str]:
    return {
        "operator": _("Điện thoại viên"),
        "shift": _("Ca trực"),
        "contacts": _("Cuộc liên hệ"),
        "handling": _("Thời gian xử lý TB (phút)"),
        "all_hours": _("Mọi giờ"),
        "points": _("%(n)s phản ánh từ cuộc gọi"),
        "error": _("Không thực hiện được"),
    }


@login_required
def stats_page(request: HttpRequest) -> HttpResponse:
    """The contact centre's figures for its leaders: per operator, per shift, and the map of
    the reports created from calls by hour (operators see their own figures, no map)."""
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        translation.activate(settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = settings.LANGUAGE_CODE
    scope = stats_scope(request.user)
    if not scope.allowed:
        raise PermissionDenied
    config: dict[str, Any] = {
        "lang": get_language() or "vi",
        "api": "/api/contact/v1/",
        "map": scope.may_see_map,
        "basemap": {
            "url": settings.MAP_BASEMAP_URL,
            "attribution": settings.MAP_BASEMAP_ATTRIBUTION,
        },
        "strings": stats_strings(),
        "outcomes": [[str(o.value), str(o.label)] for o in Outcome],
    }
    return render(request, "contact/stats.html", {"config": config, "hours": range(24)})
