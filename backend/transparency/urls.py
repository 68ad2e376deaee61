from django.urls import path

from . import views

app_name = "transparency"

urlpatterns = [
    path("api/public/v1/stats", views.StatisticsView.as_view(), name="stats"),
    path("api/public/v1/stats/trend", views.TrendView.as_view(), name="trend"),
    path("cong-khai/thong-ke", views.statistics_page, name="stats-page"),
]
