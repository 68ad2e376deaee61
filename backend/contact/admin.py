"""Admin: the knowledge base, shifts and the duty roster are edited here; contacts are a log
(read-only: they are written by the console's services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Contact, DutyAssignment, InboxItem, KnowledgeArticle, Shift


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["started_at", "caller_phone", "channel", "operator", "outcome", "incident"]
    list_filter = ["channel", "outcome"]
    search_fields = ["caller_phone", "call_id", "incident__reference"]
    date_hierarchy = "started_at"
    list_select_related = ["operator", "incident"]
    raw_id_fields = ["caller", "operator", "incident", "article"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(KnowledgeArticle)
class KnowledgeArticleAdmin(admin.ModelAdmin):
    list_display = ["question", "field", "owner", "valid_from", "valid_to", "updated_at"]
    list_filter = ["field", "owner"]
    search_fields = ["question", "keywords", "answer"]
    autocomplete_fields = ["owner"]


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):
    list_display = ["name", "starts", "ends"]
    filter_horizontal = ["operators"]


@admin.register(DutyAssignment)
class DutyAssignmentAdmin(admin.ModelAdmin):
    list_display = ["unit", "user", "starts_at", "ends_at", "phone", "email"]
    list_filter = ["unit"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["unit"]
    raw_id_fields = ["user"]


@admin.register(InboxItem)
class InboxItemAdmin(admin.ModelAdmin):
    """Read-only: items are completed or rejected from the console (through the intake path)."""

    list_display = ["created_at", "channel", "status", "claimed_by", "incident"]
    list_filter = ["status", "channel"]
    list_select_related = ["claimed_by", "incident"]
    raw_id_fields = ["reporter", "claimed_by", "incident"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
