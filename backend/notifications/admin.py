"""Admin: deliveries are read-only records (failed ones first in mind: filter by status) with one
action to send failed ones again; devices can be deactivated by hand."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import Delivery, DeliveryStatus, Device, Follow, JobError, Notice
from .services import deliveries_retry


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "incident",
        "event",
        "recipient",
        "channel",
        "status",
        "attempts",
        "short_error",
        "updated_at",
    ]
    list_filter = ["status", "channel", "created_at"]
    list_select_related = ["event__incident", "recipient"]
    search_fields = ["event__incident__reference", "recipient__username", "recipient__phone"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    show_full_result_count = False  # the table grows with every status change
    actions = ["retry"]
    readonly_fields = [f.name for f in Delivery._meta.fields]

    @admin.display(description=_("phản ánh"))
    def incident(self, obj: Delivery) -> str:
        return obj.event.incident.reference

    @admin.display(description=_("lỗi gần nhất"))
    def short_error(self, obj: Delivery) -> str:
        return obj.last_error[:80]

    @admin.action(description=_("Gửi lại"))
    def retry(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        count = deliveries_retry(deliveries=queryset.filter(status=DeliveryStatus.FAILED))
        self.message_user(
            request,
            gettext("Đã xếp lịch gửi lại %(count)d lượt.") % {"count": count},
            messages.SUCCESS,
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a deleted row would let a re-run job send again


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["token_start", "user", "platform", "language", "is_active", "updated_at"]
    list_filter = ["is_active", "platform", "language"]
    list_select_related = ["user"]
    search_fields = ["token", "user__username", "user__phone"]
    readonly_fields = ["token", "user", "created_at", "updated_at", "deactivated_at"]
    show_full_result_count = False

    @admin.display(description=_("mã thiết bị FCM"))
    def token_start(self, obj: Device) -> str:
        return str(obj)


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ["incident", "user", "created_at"]
    list_select_related = ["incident", "user"]
    search_fields = ["incident__reference", "user__username", "user__phone"]
    raw_id_fields = ["incident", "user"]


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    """SMS/e-mail to units (reminders, alerts, digest): read-only, like deliveries."""

    list_display = [
        "id",
        "kind",
        "unit",
        "incident",
        "period",
        "channel",
        "address",
        "status",
        "attempts",
        "updated_at",
    ]
    list_filter = ["kind", "status", "channel", "created_at"]
    list_select_related = ["unit", "incident"]
    search_fields = ["incident__reference", "unit__code", "unit__name", "address"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    show_full_result_count = False
    readonly_fields = [f.name for f in Notice._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a deleted row would let the next sweep send the alert again


@admin.register(JobError)
class JobErrorAdmin(admin.ModelAdmin):
    list_display = ["job_id", "task_name", "attempt", "at"]
    list_filter = ["task_name"]
    search_fields = ["job_id", "error"]
    ordering = ["-at"]
    readonly_fields = [f.name for f in JobError._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


from . import alert_admin  # noqa: E402,F401  (staff alerts: their own module)
