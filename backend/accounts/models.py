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


class ApiClient(models.Model):
    """A third-party application allowed to file reports through Open311 (`api_key`).

    Only the SHA-256 of the key is stored; the key itself is shown once, when it is issued.
    Reports it files are attributed to its own service `user` (never a resident account).
    """

    name = models.CharField(_("tên ứng dụng"), max_length=200)
    contact_email = models.EmailField(_("email liên hệ"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_client",
        verbose_name=_("tài khoản dịch vụ"),
    )
    key_prefix = models.CharField(_("tiền tố khóa"), max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    rate_limit = models.CharField(
        _("giới hạn tần suất"),
        max_length=32,
        default="600/hour",
        help_text=_("số yêu cầu/chu kỳ, ví dụ 600/hour, 20/minute"),
    )
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("ứng dụng Open311")
        verbose_name_plural = _("ứng dụng Open311")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rate_limit__regex=r"^[1-9][0-9]*/(second|minute|hour|day)$"),
                name="apiclient_rate_limit_format",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class SignInEvent(models.Model):
    """One staff sign-in attempt, kept for audit (append-only): who, from where, what happened."""

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("Đăng nhập thành công")
        FAILURE = "failure", _("Sai mật khẩu")
        CODE_FAILURE = "code_failure", _("Sai mã xác thực hai lớp")
        LOCKED = "locked", _("Bị từ chối do đang tạm khoá")

    at = models.DateTimeField(_("lúc"), default=timezone.now, db_index=True)
    username = models.CharField(_("tên đăng nhập đã nhập"), max_length=150)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sign_in_events",
        verbose_name=_("tài khoản"),
    )
    address = models.GenericIPAddressField(_("địa chỉ IP"), null=True, blank=True)
    outcome = models.CharField(_("kết quả"), max_length=16, choices=Outcome.choices)
    second_factor = models.BooleanField(_("xác thực hai lớp"), default=False)
    user_agent = models.CharField(_("trình duyệt"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("lượt đăng nhập")
        verbose_name_plural = _("nhật ký đăng nhập")
        indexes = [
            models.Index(fields=["username", "-at"], name="signin_username_at"),
            models.Index(fields=["address", "-at"], name="signin_address_at"),
        ]

    def __str__(self) -> str:
        return f"{self.username} {self.outcome} @ {self.at:%Y-%m-%d %H:%M}"


class SignInLockout(models.Model):
    """Sign-in refused for a username or an address until `until`, or until an admin lifts it."""

    class Kind(models.TextChoices):
        USERNAME = "username", _("Tên đăng nhập")
        ADDRESS = "address", _("Địa chỉ IP")

    kind = models.CharField(_("loại"), max_length=16, choices=Kind.choices)
    value = models.CharField(_("giá trị"), max_length=150)
    failures = models.PositiveIntegerField(_("số lần sai"), default=0)
    locked_at = models.DateTimeField(_("khoá lúc"), default=timezone.now)
    until = models.DateTimeField(_("khoá đến"))
    lifted_at = models.DateTimeField(_("mở khoá lúc"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người mở khoá"),
    )

    class Meta:
        verbose_name = _("khoá đăng nhập")
        verbose_name_plural = _("khoá đăng nhập")
        indexes = [models.Index(fields=["kind", "value", "-until"], name="lockout_key_until")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value}"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None and self.until > timezone.now()


class ChatChannel(models.TextChoices):
    ZALO = "zalo", "Zalo"
    MESSENGER = "messenger", "Messenger"


class ChatIdentity(models.Model):
    """Who a resident is on a chat platform: the Zalo user id (scoped to our Official Account)
    or the Messenger page-scoped id, and when they last wrote to us — the platforms allow free
    replies only for a while after that (the messaging window)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_identities"
    )
    channel = models.CharField(_("kênh"), max_length=16, choices=ChatChannel.choices)
    external_id = models.CharField(_("mã người dùng trên kênh"), max_length=64)
    last_inbound_at = models.DateTimeField(_("tin nhắn gần nhất lúc"), default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("tài khoản nhắn tin")
        verbose_name_plural = _("tài khoản nhắn tin")
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], name="chat_identity_once")
        ]
        indexes = [models.Index(fields=["user", "-last_inbound_at"], name="chat_identity_user")]

    def __str__(self) -> str:
        return f"{self.channel}:{self.external_id}"
