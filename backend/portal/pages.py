"""The residents' pages: server-rendered in Vietnamese first (English by the language switch),
phone-sized first; maps and forms enhanced by small scripts talking to /api/public/v1/."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST

from backend.accounts.models import User
from backend.common.errors import DomainError
from backend.common.language import vietnamese_unless_chosen
from backend.common.links import public_report_path
from backend.common.replicas import reads_from_replica
from backend.incidents.selectors.portal import SHOWN_STATUSES, merged_target, portal_report
from backend.incidents.selectors.reporter import active_categories, report_of, reports_of
from backend.notifications.selectors import follower_count, is_following
from geo.selectors import ward_choices

from .api import clean_reference
from .filters import PERIOD_DAYS
from .follows import followed
from .front_door import staff_link_target
from .present import name_of, public_report, status_display
from .tiles import POINT_MIN_ZOOM


def sign_in_strings() -> dict[str, str]:
    return {
        "code_sent": _("Đã gửi mã đến %(phone)s."),
        "signed_in": _("Đã đăng nhập: %(phone)s"),
        "error": _("Không gửi được"),
    }


def _base_config() -> dict[str, Any]:
    return {
        "api": "/api/public/v1/",
        "basemap": {
            "url": settings.MAP_BASEMAP_URL,
            "attribution": settings.MAP_BASEMAP_ATTRIBUTION,
        },
        "wards_url": "/api/v1/geo/wards?tolerance=0.0005",
    }


def _resident(request: HttpRequest) -> User | None:
    user = request.user
    return user if user.is_authenticated and isinstance(user, User) and user.phone else None


@ensure_csrf_cookie
def home(request: HttpRequest) -> HttpResponse:
    """/: the public map. A staff link of the old front door (/?incident=…) goes to /staff/."""
    staff_link = staff_link_target(request)
    if staff_link is not None:
        return HttpResponsePermanentRedirect(staff_link)
    vietnamese_unless_chosen(request)
    categories = [{"id": c.pk, "name": name_of(c)} for c in active_categories()]
    config = {
        **_base_config(),
        "point_min_zoom": POINT_MIN_ZOOM,
        "categories": {str(c["id"]): c["name"] for c in categories},
        "statuses": {s: status_display(s) for s in SHOWN_STATUSES},
        "strings": {
            "open_page": _("Xem phản ánh"),
            "reports_here": _("%(n)s phản ánh — phóng to để xem từng phản ánh"),
        },
    }
    context = {
        "config": config,
        "categories": categories,
        "wards": ward_choices(english=get_language() == "en"),
        "periods": PERIOD_DAYS,
        "resident": _resident(request),
    }
    return render(request, "portal/home.html", context)


def lookup(request: HttpRequest) -> HttpResponse:
    """/tra-cuu/?ma=<reference>: the report's page, or the home page saying it is unknown."""
    vietnamese_unless_chosen(request)
    raw = request.GET.get("ma", "")
    try:
        reference = clean_reference(raw)
    except DomainError:
        reference = ""
    if reference and (portal_report(reference=reference) or merged_target(reference=reference)):
        return redirect(public_report_path(reference))
    context = {"reference": raw[:40]}
    return render(request, "portal/not_found.html", context, status=404)


@reads_from_replica
@ensure_csrf_cookie
def report_page(request: HttpRequest, reference: str) -> HttpResponse:
    """/phan-anh/<reference>/: what every channel's messages link to."""
    vietnamese_unless_chosen(request)
    incident = portal_report(reference=reference)
    if incident is None:
        target = merged_target(reference=reference)
        if target:
            return HttpResponsePermanentRedirect(public_report_path(target))
        raise Http404
    report = public_report(incident, interested=follower_count(incident_id=incident.pk) + 1)
    resident = _resident(request)
    context = {
        "report": report,
        "config": {**_base_config(), "location": report["location"]},
        "resident": resident,
        "mine": resident is not None and incident.reporter_id == resident.pk,
        "following": resident is not None
        and is_following(user_id=resident.pk, incident_id=incident.pk),
    }
    return render(request, "portal/report.html", context)


@ensure_csrf_cookie
def new_report_page(request: HttpRequest) -> HttpResponse:
    """/phan-anh-moi/: file a report from a browser (place, field, text, photos, phone code)."""
    vietnamese_unless_chosen(request)
    categories = [{"code": c.code, "name": name_of(c)} for c in active_categories()]
    config = {
        **_base_config(),
        "signed_in": _resident(request) is not None,
        "strings": {
            **sign_in_strings(),
            "placed": _("Đã chọn vị trí trên bản đồ."),
            "locating": _("Đang lấy vị trí…"),
            "no_location": _("Không lấy được vị trí; hãy chạm vào bản đồ."),
            "sending": _("Đang gửi…"),
            "followed": _("Bạn đang theo dõi phản ánh %(ref)s."),
            "sign_in_first": _("Vui lòng đăng nhập bằng số điện thoại trước khi gửi."),
        },
    }
    context = {"categories": categories, "config": config, "resident": _resident(request)}
    return render(request, "portal/new.html", context)


@ensure_csrf_cookie
def mine_page(request: HttpRequest) -> HttpResponse:
    """/cua-toi/: a signed-in resident's reports (timeline, answers, rating) and follows."""
    vietnamese_unless_chosen(request)
    resident = _resident(request)
    if resident is None:
        return redirect(f"{reverse('portal-sign-in')}?next={reverse('portal-mine')}")
    reports = []
    for row in reports_of(reporter_id=resident.pk)[:50]:
        detail = report_of(reporter_id=resident.pk, incident_id=row.pk)
        if detail is not None:
            reports.append(_mine(detail))
    context = {
        "resident": resident,
        "reports": reports,
        "follows": followed(resident),
        "config": {"api": "/api/public/v1/"},
    }
    return render(request, "portal/mine.html", context)


@ensure_csrf_cookie
def sign_in_page(request: HttpRequest) -> HttpResponse:
    """/dang-nhap/?next=<path>: phone and SMS code, then back to `next` (a path of this site)."""
    vietnamese_unless_chosen(request)
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts=None) or not target.startswith(
        "/"
    ):
        target = reverse("portal-mine")
    config = {**_base_config(), "next": target, "strings": sign_in_strings()}
    context = {"config": config, "resident": _resident(request), "next": target}
    return render(request, "portal/sign_in.html", context)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("portal-home")


def _mine(incident: Any) -> dict[str, Any]:
    events = getattr(incident, "public_events", [])
    rating = getattr(incident, "rating", None)
    return {
        "reference": incident.reference,
        "public_url": public_report_path(incident.reference),
        "status": incident.status,
        "status_display": status_display(incident.status),
        "category_name": name_of(incident.category),
        "ward": name_of(incident.ward),
        "unit": name_of(incident.unit),
        "description": incident.description,
        "created_at": incident.created_at,
        "timeline": [
            {
                "at": e.created_at,
                "kind": e.kind,
                "title": status_display(e.to_status) if e.to_status else e.get_kind_display(),
                "note": e.note,
            }
            for e in events
        ],
        "rating": rating.stars if rating is not None else None,
        "rateable": rating is None and incident.status in ("resolved", "closed"),
    }
