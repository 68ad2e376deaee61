"""Admin: the log of received mails (read-only: written by the mailbox job). An operator opens a
kept or triaged mail here as a .eml file (streamed to staff with the view permission, never a
public media address: it carries the resident's name and address)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import MailMessage


@admin.register(MailMessage)
class MailMessageAdmin(admin.ModelAdmin):
    list_display = [
        "received_at",
        "sender",
        "subject",
        "outcome",
        "reason",
        "incident",
        "reply_status",
    ]
    list_filter = ["outcome", "reply_status"]
    search_fields = ["sender", "subject", "message_id", "incident__reference"]
    date_hierarchy = "received_at"
    list_select_related = ["incident"]
    exclude = ["raw"]
    readonly_fields = ["raw_mail"]

    @admin.display(description=_("thư gốc (.eml)"))
    def raw_mail(self, obj: MailMessage) -> str:
        if not obj.raw:
            return "—"
        url = reverse("admin:mailbox_mailmessage_raw", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Tải thư gốc"))

    def get_urls(self) -> list[URLPattern]:
        raw = path(
            "<int:pk>/raw/",
            self.admin_site.admin_view(self.raw_view),
            name="mailbox_mailmessage_raw",
        )
        return [raw, *super().get_urls()]

    def raw_view(self, request: HttpRequest, pk: int) -> FileResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        mail = MailMessage.objects.filter(pk=pk).first()
        if mail is None or not mail.raw:
            raise Http404
        return FileResponse(
            mail.raw.open("rb"),
            as_attachment=True,
            filename=f"thu-{mail.pk}.eml",
            content_type="message/rfc822",
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
