from django.urls import path

from . import views as v
from . import views_inbox as inbox
from . import views_stats as stats
from .views_cti import CtiEventView

urlpatterns = [
    path("cti/events", CtiEventView.as_view(), name="contact-cti-events"),
    path("calls", v.CallsView.as_view(), name="contact-calls"),
    path("calls/<int:pk>", v.CallView.as_view(), name="contact-call"),
    path("calls/<int:pk>/take", v.TakeView.as_view(), name="contact-take"),
    path("calls/<int:pk>/report", v.ReportView.as_view(), name="contact-report"),
    path("calls/<int:pk>/answer", v.AnswerView.as_view(), name="contact-answer"),
    path("calls/<int:pk>/add-to-report", v.AddToReportView.as_view(), name="contact-add"),
    path("calls/<int:pk>/close", v.CloseView.as_view(), name="contact-close"),
    path("articles", v.ArticleSearchView.as_view(), name="contact-articles"),
    path("places", v.PlaceSearchView.as_view(), name="contact-places"),
    path("preview", v.PreviewView.as_view(), name="contact-preview"),
    path("reports/<str:reference>/emergency", v.EmergencyView.as_view(), name="contact-emergency"),
    path("inbox", inbox.InboxView.as_view(), name="contact-inbox"),
    path("inbox/<int:pk>/claim", inbox.InboxClaimView.as_view(), name="contact-inbox-claim"),
    path(
        "inbox/<int:pk>/complete", inbox.InboxCompleteView.as_view(), name="contact-inbox-complete"
    ),
    path("stats", stats.OperatorStatsView.as_view(), name="contact-stats"),
    path("stats/map", stats.ContactMapView.as_view(), name="contact-stats-map"),
    path("inbox/<int:pk>/reject", inbox.InboxRejectView.as_view(), name="contact-inbox-reject"),
]
