"""Admin: incidents are read-only (changes go through the services,
so that every change lands in the append-only history)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import Incident, IncidentEvent, IncidentPhoto


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def sees_residents(request: HttpRequest) -> bool:
    """Only superusers see who reported in the admin; staff use the contact rules of the app."""
    return bool(getattr(request.user, "is_superuser", False))


class EventInline(ReadOnlyInline):
    model = IncidentEvent
    fields = ("created_at", "kind", "actor", "from_status", "to_status", "unit", "note")
    readonly_fields = (*fields, "who")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if sees_residents(request):
            return self.fields
        return tuple("who" if f == "actor" else f for f in self.fields)

    @admin.display(description=_("người thực hiện"))
    def who(self, event: IncidentEvent) -> str:
        if event.actor_id is not None and event.actor_id == event.incident.reporter_id:
            return str(_("Người dân"))
        return str(event.actor or "")


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

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if sees_residents(request) else ("reporter", "idempotency_key")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
