from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "backend.conversations"
    verbose_name = "Hội thoại (Zalo, Messenger, SMS)"
    default_auto_field = "django.db.models.BigAutoField"
