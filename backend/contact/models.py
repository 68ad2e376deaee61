"""The contact centre: every call (or other contact) an operator takes, the knowledge base they
answer from, and who is on duty when (shifts, per-unit duty roster)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GistIndex, OpClass
from django.db.models import Func, Q, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ContactChannel(models.TextChoices):
    PHONE = "phone", _("Điện thoại")
    WALK_IN = "walk_in", _("Trực tiếp")
    EMAIL = "email", _("Thư điện tử")
    SMS = "sms", _("Tin nhắn")


class Outcome(models.TextChoices):
    REPORT_CREATED = "report_created", _("Đã tạo phản ánh")
    INFORMATION_GIVEN = "information_given", _("Đã cung cấp thông tin")
    ADDED_TO_REPORT = "added_to_report", _("Bổ sung vào phản ánh")
    FORWARDED = "forwarded", _("Đã chuyển tiếp")
    OUT_OF_SCOPE = "out_of_scope", _("Ngoài phạm vi")
    NOT_REACHABLE = "not_reachable", _("Không liên lạc được")
    PRANK = "prank", _("Quấy rối")


# Outcomes that close a contact without linking anything: they need a reason (forwarded: to
# whom — another hotline, the police, a utility).
CLOSING_OUTCOMES = (Outcome.FORWARDED, Outcome.OUT_OF_SCOPE, Outcome.NOT_REACHABLE, Outcome.PRANK)


class Contact(models.Model):
    """One contact with a caller: opened by the telephone system (CTI) or by the operator,
    closed with an outcome. `outcome` empty = still open (a call card)."""

    channel = models.CharField(
        _("kênh"), max_length=16, choices=ContactChannel.choices, default=ContactChannel.PHONE
    )
    call_id = models.CharField(_("mã cuộc gọi"), max_length=128, blank=True)
    caller_phone = models.CharField(_("số người gọi"), max_length=16, help_text=_("E.164"))
    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
        verbose_name=_("người gọi"),
    )
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts_taken",
        verbose_name=_("điện thoại viên"),
    )
    started_at = models.DateTimeField(_("bắt đầu"), default=timezone.now)
    ended_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)
    outcome = models.CharField(_("kết quả"), max_length=24, choices=Outcome.choices, blank=True)
    reason = models.TextField(_("lý do"), blank=True, max_length=2000)
    incident = models.ForeignKey(
        "incidents.Incident",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
        verbose_name=_("phản ánh"),
    )
    article = models.ForeignKey(
        "contact.KnowledgeArticle",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
        verbose_name=_("bài hỏi đáp"),
    )
    inbox_item = models.ForeignKey(
        "contact.InboxItem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
        verbose_name=_("phản ánh chờ hoàn thiện"),
        help_text=_("phản ánh chưa có vị trí hoặc cần xác minh: chờ trong hộp phân loại"),
    )
    sms_consent = models.BooleanField(_("đồng ý nhận SMS"), default=True)
    answer_sms_sent_at = models.DateTimeField(_("đã nhắn câu trả lời lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("cuộc liên hệ")
        verbose_name_plural = _("cuộc liên hệ")
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["caller_phone", "-started_at"], name="contact_phone_started"),
            models.Index(fields=["operator", "-started_at"], name="contact_operator_started"),
            models.Index(
                fields=["started_at"], condition=Q(operator__isnull=True), name="contact_waiting"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["call_id"], condition=~Q(call_id=""), name="contact_call_id_once"
            ),
            models.CheckConstraint(
                condition=~Q(outcome__in=CLOSING_OUTCOMES) | ~Q(reason=""),
                name="contact_closing_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(outcome=Outcome.REPORT_CREATED)
                | Q(incident__isnull=False)
                | Q(inbox_item__isnull=False),
                name="contact_report_linked_or_waiting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.caller_phone} @ {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return not self.outcome


class KnowledgeArticle(models.Model):
    """A question callers ask and its approved answer (administrative procedures etc.)."""

    question = models.CharField(_("câu hỏi"), max_length=500)
    answer = models.TextField(_("câu trả lời"), max_length=4000)
    sms_text = models.CharField(
        _("nội dung SMS"),
        max_length=480,
        blank=True,
        help_text=_("để trống: gửi phần đầu câu trả lời"),
    )
    field = models.CharField(
        _("nhóm lĩnh vực"), max_length=64, blank=True, help_text=_("như Category.field")
    )
    keywords = models.CharField(_("từ khóa"), max_length=500, blank=True)
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    owner = models.ForeignKey(
        "units.Unit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
        verbose_name=_("đơn vị phụ trách"),
    )
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    # question + keywords folded (lower case, no diacritics: `contact_fold`, migration 0002),
    # stored so that a search neither folds every candidate row again nor ranks on the fly
    search_text = models.GeneratedField(
        expression=Func(
            Concat("question", Value(" "), "keywords", output_field=models.TextField()),
            function="contact_fold",
            output_field=models.TextField(),
        ),
        output_field=models.TextField(),
        db_persist=True,
    )

    class Meta:
        verbose_name = _("bài hỏi đáp")
        verbose_name_plural = _("cơ sở tri thức")
        ordering = ["question"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="article_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return self.question

    def sms_body(self) -> str:
        return self.sms_text or self.answer[:300]


class Place(models.Model):
    """A place callers name, known from the addresses of earlier reports: one row per address
    (folded: lower case, no diacritics), with the point of its newest report. Kept by triggers
    on the incidents table (migration 0006), so place search reads a table of distinct places
    instead of trigram-scanning every report's address."""

    folded = models.TextField(_("địa chỉ (không dấu)"), unique=True)
    name = models.CharField(_("địa chỉ"), max_length=500)
    location = models.PointField(_("vị trí"), srid=4326)
    seen_at = models.DateTimeField(_("phản ánh gần nhất"))
    uses = models.PositiveIntegerField(_("số phản ánh"), default=1)

    class Meta:
        verbose_name = _("địa điểm")
        verbose_name_plural = _("địa điểm")
        indexes = [
            # GiST, not GIN: it answers `LIKE` and hands rows over best-first (`<->`), so a
            # search reads ~10 rows, not every candidate
            GistIndex(OpClass("folded", name="gist_trgm_ops(siglen=64)"), name="place_folded_trgm"),
        ]

    def __str__(self) -> str:
        return self.name


class Shift(models.Model):
    """A named shift of the contact centre (three a day by default: see the seed migration)."""

    name = models.CharField(_("tên ca"), max_length=64, unique=True)
    starts = models.TimeField(_("bắt đầu"))
    ends = models.TimeField(_("kết thúc"), help_text=_("trước giờ bắt đầu: ca qua đêm"))
    operators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="shifts",
        verbose_name=_("điện thoại viên"),
    )

    class Meta:
        verbose_name = _("ca trực")
        verbose_name_plural = _("ca trực")
        ordering = ["starts"]

    def __str__(self) -> str:
        return f"{self.name} ({self.starts:%H:%M}–{self.ends:%H:%M})"


class DutyAssignment(models.Model):
    """Who answers emergencies for a unit in a period (outside office hours): the duty roster."""

    unit = models.ForeignKey(
        "units.Unit", on_delete=models.CASCADE, related_name="duty", verbose_name=_("đơn vị")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="duty",
        verbose_name=_("cán bộ trực"),
    )
    starts_at = models.DateTimeField(_("từ"))
    ends_at = models.DateTimeField(_("đến"))
    phone = models.CharField(_("số liên hệ"), max_length=16, blank=True)
    email = models.EmailField(_("email liên hệ"), blank=True)

    class Meta:
        verbose_name = _("lịch trực")
        verbose_name_plural = _("lịch trực")
        ordering = ["unit", "starts_at"]
        indexes = [models.Index(fields=["unit", "starts_at"], name="duty_unit_starts")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="duty_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} — {self.user} {self.starts_at:%Y-%m-%d %H:%M}"


class InboxStatus(models.TextChoices):
    WAITING = "waiting", _("Chờ xử lý")
    CLAIMED = "claimed", _("Đang hoàn thiện")
    FILED = "filed", _("Đã chuyển xử lý")
    REJECTED = "rejected", _("Từ chối")


class InboxItem(models.Model):
    """A report that arrived incomplete — no usable place, no category — or that an operator
    flagged for verification: it waits here instead of being routed, until an operator completes
    it (then it is filed through the intake path) or rejects it with a reason."""

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbox_items",
        verbose_name=_("người phản ánh"),
    )
    channel = models.CharField(_("kênh"), max_length=16, help_text=_("như Incident.channel"))
    description = models.TextField(_("nội dung"), max_length=4000)
    address = models.CharField(_("địa chỉ/mô tả nơi"), max_length=500, blank=True)
    location = models.PointField(_("vị trí"), srid=4326, null=True, blank=True)
    category = models.ForeignKey(
        "units.Category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("lĩnh vực"),
    )
    flag = models.CharField(
        _("cần xác minh"), max_length=500, blank=True, help_text=_("vì sao cần xác minh")
    )
    source_key = models.CharField(
        _("mã tin nhắn gốc"), max_length=128, blank=True, help_text=_("chống nhận trùng")
    )
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=InboxStatus.choices, default=InboxStatus.WAITING
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("điện thoại viên"),
    )
    claimed_at = models.DateTimeField(_("nhận lúc"), null=True, blank=True)
    incident = models.ForeignKey(
        "incidents.Incident",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("phản ánh"),
    )
    reason = models.TextField(_("lý do từ chối"), blank=True, max_length=2000)
    reason_sent_at = models.DateTimeField(_("đã báo lý do lúc"), null=True, blank=True)
    created_at = models.DateTimeField(_("nhận lúc"), default=timezone.now)
    closed_at = models.DateTimeField(_("xong lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("phản ánh chờ hoàn thiện")
        verbose_name_plural = _("hộp chờ hoàn thiện")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(status__in=["waiting", "claimed"]),
                name="inbox_open_created",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "source_key"],
                condition=~Q(source_key=""),
                name="inbox_source_once",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reason=""), name="inbox_rejected_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(status="filed") | Q(incident__isnull=False), name="inbox_filed_linked"
            ),
            models.CheckConstraint(
                condition=~Q(status="claimed") | Q(claimed_by__isnull=False),
                name="inbox_claimed_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()}"
