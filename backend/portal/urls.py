"""The residents' portal: pages at the site's root, JSON under /api/public/v1/."""

from django.urls import path

from . import api, pages, tiles

API = "api/public/v1/"

urlpatterns = [
    path("", pages.home, name="portal-home"),
    path("tra-cuu/", pages.lookup, name="portal-lookup"),
    path("phan-anh/<str:reference>/", pages.report_page, name="portal-report"),
    path("phan-anh-moi/", pages.new_report_page, name="portal-new"),
    path("cua-toi/", pages.mine_page, name="portal-mine"),
    path("dang-nhap/", pages.sign_in_page, name="portal-sign-in"),
    path("dang-xuat/", pages.sign_out, name="portal-sign-out"),
    path(f"{API}tiles/<int:z>/<int:x>/<int:y>.mvt", tiles.public_tile, name="portal-tiles"),
    path(f"{API}categories", api.CategoriesView.as_view(), name="portal-categories"),
    path(f"{API}reports", api.ReportsView.as_view(), name="portal-reports"),
    path(
        f"{API}reports/<str:reference>", api.ReportLookupView.as_view(), name="portal-report-json"
    ),
    path(f"{API}session", api.SessionView.as_view(), name="portal-session"),
    path(f"{API}session/code", api.SessionCodeView.as_view(), name="portal-session-code"),
    path(
        f"{API}me/reports/<str:reference>/rating",
        api.MyRatingView.as_view(),
        name="portal-rating",
    ),
    path(f"{API}me/follows", api.FollowListView.as_view(), name="portal-follows"),
    path(f"{API}follows/<str:reference>", api.FollowView.as_view(), name="portal-follow"),
]
