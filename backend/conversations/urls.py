from django.urls import path

from . import views as v

urlpatterns = [
    path("zalo/events", v.zalo_webhook, name="conversations-zalo"),
    path("messenger/webhook", v.MessengerWebhookView.as_view(), name="conversations-messenger"),
    path("sms/inbound", v.SmsWebhookView.as_view(), name="conversations-sms"),
    path("conversations/<int:pk>", v.ConversationView.as_view(), name="conversations-detail"),
    path(
        "conversations/<int:pk>/replies",
        v.ConversationReplyView.as_view(),
        name="conversations-reply",
    ),
]
