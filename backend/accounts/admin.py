from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .api_keys import api_client_create, api_client_revoke, api_client_rotate
from .models import ApiClient, SignInEvent, SignInLockout, User
from .sign_in_guard import sign_in_lockout_lift


@admin.register(User)
class HotlineUserAdmin(UserAdmin):
    list_display = ("username", "phone", "first_name", "last_name", "is_staff")
    search_fields = ("username", "phone", "first_name", "last_name", "email")
    fieldsets = (*(UserAdmin.fieldsets or ()), ("Hotline", {"fields": ("phone", "language")}))


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """Issue keys to Open311 client applications; the key is shown once, after saving."""

    list_display = ("name", "key_prefix", "rate_limit", "created_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "contact_email", "key_prefix")
    readonly_fields = ("key_prefix", "user", "created_at", "revoked_at")
    actions = ("revoke", "rotate")

    def get_fields(self, request: HttpRequest, obj: ApiClient | None = None) -> Any:
        if obj is None:
            return ["name", "contact_email", "rate_limit"]
        return ["name", "contact_email", "rate_limit", *self.readonly_fields]

    def save_model(self, request: HttpRequest, obj: ApiClient, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        issued = api_client_create(
            name=obj.name, contact_email=obj.contact_email, rate_limit=obj.rate_limit
        )
        obj.pk, obj.user, obj.key_prefix = issued.client.pk, issued.client.user, issued.key[:12]
        self._show_key(request, issued.key)

    def _show_key(self, request: HttpRequest, key: str) -> None:
        messages.warning(
            request, _("Khóa API (chỉ hiển thị một lần, hãy lưu lại ngay): %(key)s") % {"key": key}
        )

    @admin.action(description=_("Thu hồi khóa API đã chọn"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> None:
        for client in queryset:
            api_client_revoke(client=client)

    @admin.action(description=_("Cấp khóa mới (khóa cũ ngừng hoạt động)"))
    def rotate(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> None:
        for client in queryset:
            issued = api_client_rotate(client=client)
            self._show_key(request, f"{client.name}: {issued.key}")


@admin.register(SignInEvent)
class SignInEventAdmin(admin.ModelAdmin):
    """The staff sign-in audit log: read-only."""

    list_display = ("at", "username", "user", "address", "outcome", "second_factor")
    list_filter = ("outcome", "second_factor", "at")
    search_fields = ("username", "address")
    date_hierarchy = "at"
    list_select_related = ("user",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ActiveLockoutFilter(admin.SimpleListFilter):
    title = _("trạng thái")
    parameter_name = "active"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return [("1", _("Đang khoá"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[SignInLockout]) -> Any:
        if self.value() == "1":
            return queryset.filter(lifted_at__isnull=True, until__gt=timezone.now())
        return queryset


@admin.register(SignInLockout)
class SignInLockoutAdmin(admin.ModelAdmin):
    """Lockouts after repeated wrong passwords or codes; an admin can lift one early."""

    list_display = ("kind", "value", "failures", "locked_at", "until", "lifted_at", "lifted_by")
    list_filter = (ActiveLockoutFilter, "kind")
    search_fields = ("value",)
    readonly_fields = list_display
    actions = ("lift",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Mở khoá đăng nhập đã chọn"))
    def lift(self, request: HttpRequest, queryset: QuerySet[SignInLockout]) -> None:
        for lockout in queryset:
            sign_in_lockout_lift(lockout=lockout, by=request.user)
        messages.success(request, _("Đã mở khoá."))
