"""Admin: incidents are read-only (changes go through the services,
so that every change lands in the append-only history)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Incident, IncidentEvent, IncidentPhoto


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EventInline(ReadOnlyInline):
    model = IncidentEvent
    fields = ("created_at", "kind", "actor", "from_status", "to_status", "unit", "note")
    readonly_fields = fields


class PhotoInline(ReadOnlyInline):
    model = IncidentPhoto
    fields = ("kind", "image", "width", "height", "created_at")
    readonly_fields = fields


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["reference", "status", "category", "ward", "unit", "created_at", "due_at"]
    list_filter = ["status", "category", "channel"]
    search_fields = ["reference", "description"]
    list_select_related = ["category", "ward", "unit"]
    show_full_result_count = False
    inlines = [PhotoInline, EventInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
