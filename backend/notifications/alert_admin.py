"""Admin of staff alerts: each person's preference (editable), the alerts sent (read-only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import AlertPreference, StaffAlert


@admin.register(AlertPreference)
class AlertPreferenceAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "by_email",
        "by_sms",
        "by_browser",
        "quiet_hours",
        "quiet_start",
        "quiet_end",
    ]
    list_filter = ["by_email", "by_sms", "quiet_hours"]
    search_fields = ["user__username", "user__email"]
    raw_id_fields = ["user"]


@admin.register(StaffAlert)
class StaffAlertAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "channel", "user", "incident", "status", "send_after"]
    list_filter = ["kind", "channel", "status"]
    list_select_related = ["user", "incident"]
    search_fields = ["incident__reference", "user__username", "address"]
    ordering = ["-id"]
    show_full_result_count = False
    readonly_fields = [f.name for f in StaffAlert._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a deleted row would let a retried job alert again
