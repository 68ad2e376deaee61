"""Where residents get notified: their phones' FCM registration tokens."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Platform(models.TextChoices):
    ANDROID = "android", "Android"
    IOS = "ios", "iOS"
    WEB = "web", "Web"


class Device(models.Model):
    """One app install. The token is unique: re-registering moves it to the current user."""

    token = models.CharField(_("mã thiết bị FCM"), max_length=512, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="devices"
    )
    platform = models.CharField(_("nền tảng"), max_length=16, choices=Platform.choices)
    app_version = models.CharField(_("phiên bản ứng dụng"), max_length=32, blank=True)
    language = models.CharField(
        _("ngôn ngữ"), max_length=8, default="vi", choices=[("vi", "Tiếng Việt"), ("en", "English")]
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("thiết bị")
        verbose_name_plural = _("thiết bị")
        indexes = [models.Index(fields=["user"], name="device_user")]

    def __str__(self) -> str:
        return f"{self.platform}:{self.token[:12]}…"
