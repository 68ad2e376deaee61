"""Every mail the 1022 mailbox received, once: what became of it, and the mail itself when an
operator has to read it (triage inbox, kept)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    FILED = "filed", _("Đã tạo phản ánh")
    ADDED = "added", _("Bổ sung vào phản ánh")
    INBOX = "inbox", _("Chờ hoàn thiện")
    KEPT = "kept", _("Giữ lại cho điện thoại viên")
    IGNORED = "ignored", _("Thư tự động, bỏ qua")


class ReplyStatus(models.TextChoices):
    NONE = "", _("Không trả lời")
    PENDING = "pending", _("Đang chờ gửi")
    SENT = "sent", _("Đã gửi")
    FAILED = "failed", _("Gửi thất bại")


class MailMessage(models.Model):
    """One received mail. `source_key` (the Message-ID, or a digest of a mail without one) is
    unique: a mail seen again (a poll after a crash, the same mail delivered twice) is one row
    and one outcome. The reply of a filed report is its first update mail (notifications); the
    mailbox itself answers only mails it put into the triage inbox (`reply_status`)."""

    source_key = models.CharField(_("mã thư"), max_length=128, unique=True)
    message_id = models.CharField("Message-ID", max_length=998, blank=True)
    sender = models.CharField(_("người gửi"), max_length=254, blank=True)
    subject = models.CharField(_("tiêu đề"), max_length=500, blank=True)
    size = models.PositiveIntegerField(_("dung lượng (byte)"), default=0)
    received_at = models.DateTimeField(_("nhận lúc"), default=timezone.now)
    outcome = models.CharField(_("kết quả"), max_length=16, choices=Outcome.choices)
    reason = models.CharField(_("lý do"), max_length=200, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("người phản ánh"),
    )
    incident = models.ForeignKey(
        "incidents.Incident",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("phản ánh"),
    )
    inbox_item = models.ForeignKey(
        "contact.InboxItem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("phản ánh chờ hoàn thiện"),
    )
    raw = models.FileField(_("thư gốc (.eml)"), upload_to="mail/%Y/%m/", blank=True)
    reply_status = models.CharField(
        _("thư trả lời"), max_length=16, choices=ReplyStatus.choices, blank=True, default=""
    )
    reply_attempts = models.PositiveSmallIntegerField(default=0)
    reply_error = models.TextField(blank=True)
    reply_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("thư đến")
        verbose_name_plural = _("thư đến hộp thư 1022")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(
                fields=["received_at"],
                condition=Q(reply_status="pending"),
                name="mail_reply_pending",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome="filed") | Q(incident__isnull=False),
                name="mail_filed_has_incident",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sender} — {self.subject[:60]}"
