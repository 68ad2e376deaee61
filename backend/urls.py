from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from backend.common.health import healthz
from backend.contact.pages import console_page, stats_page
from backend.staff import leader_pages
from backend.staff import pages as staff_pages
from backend.staff import sign_in as staff_sign_in
from backend.staff.moved import moved_to

handler500 = "backend.common.unavailable.server_error"

urlpatterns = [
    # the front door is the residents' portal (backend/portal/urls.py, included below); the staff
    # workspace lives under /staff/, anonymous staff visitors are sent to its sign-in page
    path("staff/", staff_pages.map_page, name="staff-map"),
    path("staff/login/", staff_sign_in.StaffLoginView.as_view(), name="staff-login"),
    path("staff/login/code/", staff_sign_in.sign_in_code, name="staff-sign-in-code"),
    path(
        "staff/login/two-factor/",
        staff_sign_in.two_factor_setup,
        name="staff-two-factor-setup",
    ),
    path("staff/logout/", staff_pages.StaffLogoutView.as_view(), name="staff-logout"),
    path("staff/dashboard/", leader_pages.dashboard_page, name="staff-dashboard"),
    path("admin/login/", staff_sign_in.admin_login),
    # the staff addresses before the move: permanent redirects (backend/staff/moved.py)
    path("login/", moved_to("staff-login")),
    path("login/code/", moved_to("staff-sign-in-code")),
    path("login/two-factor/", moved_to("staff-two-factor-setup")),
    path("logout/", moved_to("staff-logout")),
    path("healthz", healthz, name="healthz"),
    path("tong-dai/", console_page, name="contact-console"),
    path("tong-dai/thong-ke/", stats_page, name="contact-stats-page"),
    path("admin/", admin.site.urls),
    path("api/v1/geo/", include("geo.urls")),
    path("api/staff/v1/", include("backend.staff.urls")),
    path("api/mobile/v1/", include("mobile_api.urls")),
    path("open311/v2/", include("backend.open311.urls")),
    path("api/contact/v1/", include("backend.contact.urls")),
    path("api/conversations/v1/", include("backend.conversations.urls")),
    path("", include("backend.transparency.urls")),
    path("", include("backend.portal.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("i18n/", include("django.conf.urls.i18n")),
]
if settings.SERVE_MEDIA and settings.MEDIA_URL.startswith("/"):
    # photos on the local disk (one machine); nginx or S3 serve them when this is off
    media = settings.MEDIA_URL.lstrip("/")
    urlpatterns += [
        re_path(rf"^{media}(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]

handler404 = "backend.http_errors.not_found"
