from django.urls import path

from . import similar, views

app_name = "transparency"

urlpatterns = [
    path("api/public/v1/stats", views.StatisticsView.as_view(), name="stats"),
    path("api/public/v1/stats/trend", views.TrendView.as_view(), name="trend"),
    path("api/public/v1/stats.csv", views.StatisticsCsvView.as_view(), name="stats-csv"),
    path(
        "api/public/v1/stats/wards.geojson",
        views.WardsGeoJSONView.as_view(),
        name="stats-wards-geojson",
    ),
    path(
        "api/public/v1/similar-reports",
        similar.SimilarReportsView.as_view(),
        name="similar-reports",
    ),
    path("cong-khai/thong-ke", views.statistics_page, name="stats-page"),
]
