from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
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


class PhoneCode(models.Model):
    """A one-time sign-in code sent by SMS; only its keyed hash is stored."""

    phone = models.CharField(_("số điện thoại"), max_length=16)
    code_hash = models.CharField(max_length=64)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("mã xác thực")
        verbose_name_plural = _("mã xác thực")
        indexes = [models.Index(fields=["phone", "-created_at"], name="phonecode_phone_created")]

    def __str__(self) -> str:
        return f"{self.phone} @ {self.created_at:%Y-%m-%d %H:%M}"


class AuthToken(models.Model):
    """An access + refresh token pair for the phone app; only SHA-256 hashes are stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="auth_tokens"
    )
    access_hash = models.CharField(max_length=64, unique=True)
    refresh_hash = models.CharField(max_length=64, unique=True)
    access_expires_at = models.DateTimeField()
    refresh_expires_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("phiên đăng nhập")
        verbose_name_plural = _("phiên đăng nhập")

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d %H:%M}"
