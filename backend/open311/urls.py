"""/open311/v2/ — GeoReport v2; the format is the suffix: .xml or .json."""

from django.urls import re_path

from . import views

app_name = "open311"
F = r"\.(?P<fmt>xml|json)$"

urlpatterns = [
    re_path(rf"^discovery{F}", views.DiscoveryView.as_view(), name="discovery"),
    re_path(rf"^services{F}", views.ServiceListView.as_view(), name="services"),
    re_path(
        rf"^services/(?P<code>[-\w]+){F}", views.ServiceDefinitionView.as_view(), name="service"
    ),
    re_path(rf"^requests{F}", views.RequestListView.as_view(), name="requests"),
    re_path(
        rf"^requests/(?P<request_id>[-\w]+){F}", views.RequestDetailView.as_view(), name="request"
    ),
    re_path(rf"^tokens/(?P<token>[-\w:]+){F}", views.TokenView.as_view(), name="token"),
    re_path(rf"^servicerequestupdates{F}", views.UpdateListView.as_view(), name="updates"),
    re_path(r"^.*$", views.NotFoundView.as_view(), name="not-found"),
]
