from django.urls import path

from .api import LocateView, WardsView

urlpatterns = [
    path("locate", LocateView.as_view(), name="geo-locate"),
    path("wards", WardsView.as_view(), name="geo-wards"),
]
