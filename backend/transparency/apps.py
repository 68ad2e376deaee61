from django.apps import AppConfig


class TransparencyConfig(AppConfig):
    name = "backend.transparency"
    label = "transparency"
    verbose_name = "Công khai / Transparency"
