from django.urls import path

from . import actions, alerts, directory, duplicates, exports, leaders, pickers, stats, tiles, views

app_name = "staff"

urlpatterns = [
    path("me", directory.MeView.as_view(), name="me"),
    path("units", directory.UnitListView.as_view(), name="units"),
    path("units/<int:pk>/members", directory.UnitMembersView.as_view(), name="unit-members"),
    path("stats/overdue", stats.OverdueView.as_view(), name="overdue"),
    path("stats/late-rate", stats.LateRateView.as_view(), name="late-rate"),
    path("stats/summary", stats.SummaryView.as_view(), name="summary"),
    path("dashboard", leaders.DashboardView.as_view(), name="dashboard"),
    path("hotspots", leaders.HotspotsView.as_view(), name="hotspots"),
    path("digest", leaders.DigestPreviewView.as_view(), name="digest"),
    path("alerts", alerts.AlertListView.as_view(), name="alerts"),
    path("alerts/read", alerts.AlertReadView.as_view(), name="alerts-read"),
    path("alerts/preferences", alerts.AlertPreferenceView.as_view(), name="alert-preferences"),
    path("tiles/<int:z>/<int:x>/<int:y>.mvt", tiles.incident_tile, name="tiles"),
    path("map/token", tiles.MapTokenView.as_view(), name="map-token"),
    path("incidents/<int:pk>/reporter", views.ReporterView.as_view(), name="reporter"),
    path("incidents", views.IncidentListView.as_view(), name="incidents"),
    path("incidents.geojson", views.IncidentGeoJSONView.as_view(), name="incidents-geojson"),
    path("incidents.csv", exports.CsvExportView.as_view(), name="incidents-csv"),
    path("incidents.xlsx", exports.XlsxExportView.as_view(), name="incidents-xlsx"),
    path("incidents/<int:pk>", views.IncidentDetailView.as_view(), name="incident"),
    path(
        "incidents/<int:pk>/transfer-targets",
        pickers.TransferTargetsView.as_view(),
        name="transfer-targets",
    ),
    path(
        "incidents/<int:pk>/relocation",
        pickers.RelocationPreviewView.as_view(),
        name="relocation",
    ),
    path("incidents/<int:pk>/transition", actions.TransitionView.as_view(), name="transition"),
    path("incidents/<int:pk>/assign", actions.AssignView.as_view(), name="assign"),
    path("incidents/<int:pk>/transfer", actions.TransferView.as_view(), name="transfer"),
    path("incidents/<int:pk>/merge", actions.MergeView.as_view(), name="merge"),
    path("incidents/<int:pk>/duplicates", duplicates.DuplicatesView.as_view(), name="duplicates"),
    path("incidents/<int:pk>/category", actions.CategoryView.as_view(), name="category"),
    path("incidents/<int:pk>/location", actions.LocationView.as_view(), name="location"),
    path("incidents/<int:pk>/comments", actions.CommentView.as_view(), name="comments"),
    path("incidents/<int:pk>/directions", actions.DirectionView.as_view(), name="directions"),
    path(
        "incidents/<int:pk>/directions/<int:direction_id>/answers",
        actions.DirectionAnswerView.as_view(),
        name="direction-answers",
    ),
    path("incidents/<int:pk>/photos", actions.ResolutionPhotoView.as_view(), name="photos"),
]
