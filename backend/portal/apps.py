from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "backend.portal"
    label = "portal"
    verbose_name = "Cổng người dân / Public portal"
