from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "backend.staff"
    label = "staff"
    verbose_name = _("Cán bộ xử lý")
