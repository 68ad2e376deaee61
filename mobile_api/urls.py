"""/api/mobile/v1/ — the resident phone app's API."""

from django.urls import path

from . import views_auth as auth
from . import views_devices as devices
from . import views_follow as follow
from . import views_reports as reports
from . import views_similar as similar

app_name = "mobile_api"

urlpatterns = [
    path("auth/otp", auth.OtpRequestView.as_view(), name="otp"),
    path("auth/token", auth.SignInView.as_view(), name="token"),
    path("auth/refresh", auth.RefreshView.as_view(), name="refresh"),
    path("auth/sign-out", auth.SignOutView.as_view(), name="sign-out"),
    path("categories", reports.CategoriesView.as_view(), name="categories"),
    path("reports", reports.ReportsView.as_view(), name="reports"),
    path("reports/similar", similar.SimilarReportsView.as_view(), name="reports-similar"),
    path("reports/<int:pk>", reports.ReportDetailView.as_view(), name="report"),
    path("reports/<int:pk>/cancel", reports.ReportCancelView.as_view(), name="report-cancel"),
    path("reports/<int:pk>/rating", reports.ReportRatingView.as_view(), name="report-rating"),
    path("reports/<int:pk>/follow", follow.ReportFollowView.as_view(), name="report-follow"),
    path("follows", follow.FollowListView.as_view(), name="follows"),
    path("follows/<str:reference>", follow.FollowByReferenceView.as_view(), name="follow"),
    path("devices", devices.DevicesView.as_view(), name="devices"),
    path("devices/<str:token>", devices.DeviceView.as_view(), name="device"),
]
