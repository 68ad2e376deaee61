"""The chat channels' log: every event a platform delivered (stored once, raw), the
conversations the engine holds with residents, their messages both ways, and the photos they
sent until the report is filed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ConversationChannel(models.TextChoices):
    ZALO = "zalo", "Zalo"
    MESSENGER = "messenger", "Messenger"
    SMS = "sms", "SMS"


class InboundEvent(models.Model):
    """One webhook delivery, exactly as it came, unique on the platform's message id: a
    platform's retry of the same event is this row again, handled once."""

    channel = models.CharField(_("kênh"), max_length=16, choices=ConversationChannel.choices)
    message_id = models.CharField(_("mã sự kiện"), max_length=191)
    sender = models.CharField(_("người gửi"), max_length=64, blank=True)
    payload = models.JSONField(_("nội dung gốc"))
    received_at = models.DateTimeField(_("nhận lúc"), default=timezone.now)
    handled_at = models.DateTimeField(_("xử lý lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("sự kiện nhận từ kênh nhắn tin")
        verbose_name_plural = _("sự kiện nhận từ kênh nhắn tin")
        constraints = [
            models.UniqueConstraint(fields=["channel", "message_id"], name="inbound_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.message_id}"


class ConversationState(models.TextChoices):
    DESCRIPTION = "description", _("Chờ mô tả")
    FIELD = "field", _("Chờ chọn lĩnh vực")
    LOCATION = "location", _("Chờ vị trí")
    PHOTOS = "photos", _("Chờ ảnh")
    CONFIRM = "confirm", _("Chờ xác nhận")
    QUESTION = "question", _("Đã trả lời câu hỏi")
    FILING = "filing", _("Đang gửi phản ánh")
    OPERATOR = "operator", _("Chờ tổng đài viên")
    CLOSED = "closed", _("Đã kết thúc")


class Conversation(models.Model):
    """A dialogue with one resident on one channel: at most one open per (channel, address)."""

    channel = models.CharField(_("kênh"), max_length=16, choices=ConversationChannel.choices)
    address = models.CharField(
        _("mã người dùng/số điện thoại"), max_length=64, help_text=_("Zalo user id, PSID, SĐT")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations"
    )
    language = models.CharField(_("ngôn ngữ"), max_length=8, default="vi")
    state = models.CharField(
        _("bước"),
        max_length=16,
        choices=ConversationState.choices,
        default=ConversationState.DESCRIPTION,
    )
    data = models.JSONField(_("thông tin đã có"), default=dict, blank=True)
    incident = models.ForeignKey(
        "incidents.Incident",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("phản ánh"),
    )
    inbox_item_id = models.BigIntegerField(_("mục hộp chờ"), null=True, blank=True)
    started_at = models.DateTimeField(_("bắt đầu"), default=timezone.now)
    updated_at = models.DateTimeField(_("tin gần nhất"), default=timezone.now)
    closed_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)
    closed_reason = models.CharField(_("lý do kết thúc"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("hội thoại")
        verbose_name_plural = _("hội thoại")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "address"],
                condition=Q(closed_at__isnull=True),
                name="conversation_one_open",
            )
        ]
        indexes = [
            models.Index(
                fields=["updated_at"], condition=Q(closed_at__isnull=True), name="conversation_idle"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.address} ({self.state})"


class Direction(models.TextChoices):
    IN = "in", _("Người dân gửi")
    OUT = "out", _("Gửi người dân")


class SendStatus(models.TextChoices):
    RECEIVED = "received", _("Đã nhận")
    PENDING = "pending", _("Đang chờ gửi")
    SENT = "sent", _("Đã gửi")
    FAILED = "failed", _("Gửi thất bại")


class ConversationMessage(models.Model):
    """One message of a conversation. An outgoing one is a delivery of its own: sent by a job
    while `pending` (locked while in flight), so a retry never sends it twice."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    direction = models.CharField(_("chiều"), max_length=4, choices=Direction.choices)
    text = models.TextField(_("nội dung"), max_length=4000)
    options = models.JSONField(_("lựa chọn nhanh"), default=list, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("tổng đài viên"),
    )
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=SendStatus.choices, default=SendStatus.RECEIVED
    )
    attempts = models.PositiveSmallIntegerField(_("số lần thử"), default=0)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    sent_via = models.CharField(_("gửi qua"), max_length=16, blank=True)
    provider_message_id = models.CharField(max_length=191, blank=True)
    # an operator's reply: the console's Idempotency-Key, so a resent request is one message
    client_key = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(_("lúc"), default=timezone.now)
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("tin nhắn")
        verbose_name_plural = _("tin nhắn")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["conversation", "created_at"], name="message_conv")]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "client_key"],
                condition=~models.Q(client_key=""),
                name="message_client_key_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.direction}: {self.text[:40]}"


class ConversationPhoto(models.Model):
    """A photo a resident sent, kept as downloaded (bounded) until the report is filed with it,
    where it is cleaned like an app upload."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="photos")
    content = models.BinaryField(_("ảnh"))
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("ảnh trong hội thoại")
        verbose_name_plural = _("ảnh trong hội thoại")
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "sha256"], name="conversation_photo_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id}:{self.sha256[:12]}"
