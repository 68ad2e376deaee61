"""Where and how residents get notified: their phones' FCM tokens, the reports they follow, and
one delivery record per (event, recipient, channel)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Platform(models.TextChoices):
    ANDROID = "android", "Android"
    IOS = "ios", "iOS"
    WEB = "web", "Web"


class Device(models.Model):
    """One app install. The token is unique: re-registering moves it to the current user.

    FCM tells us when a token is dead (UNREGISTERED, sender mismatch): the row is kept but
    deactivated, so it is never pushed to again until the app registers it afresh.
    """

    token = models.CharField(_("mã thiết bị FCM"), max_length=512, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="devices"
    )
    platform = models.CharField(_("nền tảng"), max_length=16, choices=Platform.choices)
    app_version = models.CharField(_("phiên bản ứng dụng"), max_length=32, blank=True)
    language = models.CharField(
        _("ngôn ngữ"), max_length=8, default="vi", choices=[("vi", "Tiếng Việt"), ("en", "English")]
    )
    is_active = models.BooleanField(_("đang dùng"), default=True)
    deactivated_at = models.DateTimeField(_("ngừng dùng lúc"), null=True, blank=True)
    deactivation_reason = models.CharField(_("lý do ngừng dùng"), max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("thiết bị")
        verbose_name_plural = _("thiết bị")
        indexes = [models.Index(fields=["user"], name="device_user")]

    def __str__(self) -> str:
        return f"{self.platform}:{self.token[:12]}…"


class Follow(models.Model):
    """A resident following someone else's report gets its status pushes too."""

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="follows"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("theo dõi phản ánh")
        verbose_name_plural = _("theo dõi phản ánh")
        constraints = [
            models.UniqueConstraint(fields=["incident", "user"], name="follow_once"),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="follow_user_created")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.incident_id}"


class Channel(models.TextChoices):
    PUSH = "push", _("Thông báo đẩy")
    SMS = "sms", "SMS"
    EMAIL = "email", "Email"
    ZALO = "zalo", "Zalo"
    MESSENGER = "messenger", "Messenger"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Đang chờ gửi")
    SENT = "sent", _("Đã gửi")
    FAILED = "failed", _("Gửi thất bại")
    NO_DEVICE = "no_device", _("Không có thiết bị")
    SKIPPED = "skipped", _("Bỏ qua")


class Delivery(models.Model):
    """One notice of one history event to one person over one channel.

    The unique constraint is what makes a re-run job harmless: rows are created with
    `ON CONFLICT DO NOTHING` and only `pending` rows are sent. A push delivery fans out to the
    recipient's active devices; `sent_devices` remembers which already got it, so a retry after
    a partial failure does not send twice to the others.
    """

    event = models.ForeignKey(
        "incidents.IncidentEvent", on_delete=models.CASCADE, related_name="deliveries"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("kênh"), max_length=16, choices=Channel.choices)
    status = models.CharField(
        _("trạng thái"),
        max_length=16,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("số lần thử"), default=0)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    provider_message_id = models.TextField(_("mã tin của nhà cung cấp"), blank=True)
    sent_devices = models.JSONField(_("đã gửi tới thiết bị"), default=list, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    updated_at = models.DateTimeField(_("cập nhật lúc"), default=timezone.now)
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("lượt gửi thông báo")
        verbose_name_plural = _("lượt gửi thông báo")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "recipient", "channel"], name="delivery_once_per_channel"
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="delivery_sent_at"
            ),
        ]
        indexes = [
            # what admins look at: failures, newest first
            models.Index(
                fields=["-created_at"],
                condition=Q(status="failed"),
                name="delivery_failed_created",
            ),
            models.Index(fields=["recipient", "-created_at"], name="delivery_recipient_created"),
            # the recovery sweep's orphans (recovery.py): pending rows are few
            models.Index(
                fields=["updated_at"],
                condition=Q(status="pending"),
                name="delivery_pending_updated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.event_id}→{self.recipient_id} ({self.status})"


class NoticeKind(models.TextChoices):
    REMINDER = "reminder", _("Nhắc hạn xử lý")
    OVERDUE = "overdue", _("Cảnh báo quá hạn")
    ESCALATION = "escalation", _("Báo cáo cấp trên")
    DIGEST = "digest", _("Báo cáo tuần")
    EMERGENCY = "emergency", _("Báo động khẩn cấp")
    EMERGENCY_UP = "emergency_up", _("Khẩn cấp chưa tiếp nhận: báo cấp trên")


class Notice(models.Model):
    """One SMS or e-mail to a unit's staff or leader: a reminder, an overdue alert, an escalation
    (each about one report) or the weekly digest (about one week).

    Leaders are addressed by the phone and e-mail on their unit, not as users, so these are not
    `Delivery` rows (which belong to a history event and a user). Same rules, though: the unique
    constraints make each alert once per (report, level, channel, address) and each digest once
    per (unit, week, channel, address); rows are created with ON CONFLICT DO NOTHING and only
    `pending` rows are sent. The text is rendered when the row is created, so a retry sends
    exactly what was decided.
    """

    kind = models.CharField(_("loại"), max_length=16, choices=NoticeKind.choices)
    incident = models.ForeignKey(
        "incidents.Incident",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notices",
    )
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.CASCADE, related_name="notices", verbose_name=_("đơn vị")
    )
    period = models.DateField(_("tuần (ngày gửi)"), null=True, blank=True)
    channel = models.CharField(_("kênh"), max_length=16, choices=Channel.choices)
    address = models.CharField(_("gửi tới"), max_length=254)
    subject = models.CharField(_("tiêu đề"), max_length=255, blank=True)
    body = models.TextField(_("nội dung"))
    html = models.TextField(blank=True)
    attachment = models.TextField(blank=True)  # CSV of the digest
    status = models.CharField(
        _("trạng thái"),
        max_length=16,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("số lần thử"), default=0)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    updated_at = models.DateTimeField(_("cập nhật lúc"), default=timezone.now)
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("thông báo cho đơn vị")
        verbose_name_plural = _("thông báo cho đơn vị")
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "kind", "channel", "address"],
                condition=Q(incident__isnull=False),
                name="notice_once_per_report_level",
            ),
            models.UniqueConstraint(
                fields=["unit", "kind", "period", "channel", "address"],
                condition=Q(incident__isnull=True),
                name="notice_once_per_unit_period",
            ),
            models.CheckConstraint(
                condition=Q(incident__isnull=False) | Q(period__isnull=False),
                name="notice_about_report_or_period",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="notice_sent_at"
            ),
        ]
        indexes = [
            models.Index(fields=["-created_at"], name="notice_created"),
            models.Index(
                fields=["-created_at"], condition=Q(status="failed"), name="notice_failed_created"
            ),
            models.Index(
                fields=["updated_at"], condition=Q(status="pending"), name="notice_pending_updated"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.channel}→{self.address} ({self.status})"


class JobError(models.Model):
    """The last exception of a procrastinate job (procrastinate keeps the status, not the error);
    written by the worker's task middleware (jobs.py), read by `manage.py jobs_failed`.
    `job_id` is no foreign key: procrastinate may delete old jobs on its own."""

    job_id = models.BigIntegerField(unique=True)
    task_name = models.CharField(max_length=128)
    attempt = models.PositiveIntegerField(default=0)
    error = models.TextField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("lỗi tác vụ nền")
        verbose_name_plural = _("lỗi tác vụ nền")

    def __str__(self) -> str:
        return f"job {self.job_id} ({self.task_name}): {self.error[:60]}"


class ZaloToken(models.Model):
    """The Official Account's access token and the refresh token that renews it (one row).

    Zalo's access token lives about 25 hours and its refresh token is single-use: each refresh
    returns a new pair, stored here at once (zalo.py refreshes under a row lock, so two workers
    never spend the same refresh token)."""

    access_token = models.TextField(_("access token"))
    refresh_token = models.TextField(_("refresh token"))
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    refreshed_at = models.DateTimeField(_("làm mới lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("khóa truy cập Zalo OA")
        verbose_name_plural = _("khóa truy cập Zalo OA")

    def __str__(self) -> str:
        return f"Zalo OA token (expires {self.expires_at:%Y-%m-%d %H:%M})"


class AlertKind(models.TextChoices):
    NEW_REPORT = "new_report", _("Phản ánh mới")
    ASSIGNED = "assigned", _("Được phân công")
    DIRECTION = "direction", _("Chỉ đạo mới")
    EMERGENCY = "emergency", _("Tình huống khẩn cấp")


class AlertChannel(models.TextChoices):
    IN_APP = "in_app", _("Trong trang cán bộ")
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"


class AlertStatus(models.TextChoices):
    PENDING = "pending", _("Đang chờ gửi")
    HELD = "held", _("Giữ lại (giờ yên lặng)")
    SENT = "sent", _("Đã gửi")
    FAILED = "failed", _("Gửi thất bại")
    SKIPPED = "skipped", _("Bỏ qua")


class AlertPreference(models.Model):
    """How a staff member wants to be alerted (alerts.py): e-mail, SMS, the browser's own
    notifications while the staff page is open, and quiet hours (local time) in which e-mail and
    SMS are held until the quiet hours end — except emergencies. No row = the defaults."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_preference"
    )
    by_email = models.BooleanField(_("nhận qua email"), default=True)
    by_sms = models.BooleanField(_("nhận qua SMS"), default=False)
    by_browser = models.BooleanField(_("thông báo trên trình duyệt"), default=True)
    quiet_hours = models.BooleanField(_("giờ yên lặng"), default=True)
    quiet_start = models.TimeField(_("yên lặng từ"), default=dt.time(21, 0))
    quiet_end = models.TimeField(_("yên lặng đến"), default=dt.time(7, 0))
    updated_at = models.DateTimeField(_("cập nhật lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("cài đặt cảnh báo")
        verbose_name_plural = _("cài đặt cảnh báo")

    def __str__(self) -> str:
        return f"{self.user_id}: email={self.by_email} sms={self.by_sms}"


class StaffAlert(models.Model):
    """One alert of one history event to one staff member over one channel: the in-app row (the
    bell's list, `read_at`) and one row per e-mail/SMS. Unique per (event, user, channel), rows
    created with ON CONFLICT DO NOTHING: a retried job never alerts twice. The text is rendered
    when the row is created; a `held` row waits for `send_after` (end of the quiet hours)."""

    event = models.ForeignKey(
        "incidents.IncidentEvent", on_delete=models.CASCADE, related_name="staff_alerts"
    )
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="staff_alerts"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_alerts"
    )
    kind = models.CharField(_("loại"), max_length=16, choices=AlertKind.choices)
    channel = models.CharField(_("kênh"), max_length=16, choices=AlertChannel.choices)
    address = models.CharField(_("gửi tới"), max_length=254, blank=True)
    subject = models.CharField(_("tiêu đề"), max_length=255, blank=True)
    body = models.TextField(_("nội dung"))
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=AlertStatus.choices, default=AlertStatus.PENDING
    )
    send_after = models.DateTimeField(_("gửi sau"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("số lần thử"), default=0)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    read_at = models.DateTimeField(_("đã xem lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("cảnh báo cán bộ")
        verbose_name_plural = _("cảnh báo cán bộ")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user", "channel"], name="staff_alert_once_per_channel"
            ),
        ]
        indexes = [
            # the bell: a user's in-app alerts, newest first
            models.Index(
                fields=["user", "-id"],
                condition=Q(channel="in_app"),
                name="staff_alert_user_inapp",
            ),
            # the release job: held rows whose quiet hours are over
            models.Index(
                fields=["send_after"], condition=Q(status="held"), name="staff_alert_held"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.channel}→{self.user_id} ({self.status})"
