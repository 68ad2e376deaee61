from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """Residents sign in with a phone number; staff also have a username/password."""

    phone = models.CharField(
        _("số điện thoại"),
        max_length=16,
        unique=True,
        null=True,
        blank=True,
        help_text=_("E.164, ví dụ +84901234567"),
    )
    language = models.CharField(
        _("ngôn ngữ"), max_length=8, default="vi", choices=[("vi", "Tiếng Việt"), ("en", "English")]
    )

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")
