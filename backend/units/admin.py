from django.contrib import admin

from .models import CalendarDay, Category, Membership, RoutingRule, SlaPolicy, Unit


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "field",
        "is_active",
        "sort_order",
        "duplicate_radius_m",
        "duplicate_window_days",
    ]
    list_editable = ["is_active", "sort_order"]
    list_filter = ["field", "is_active"]
    search_fields = ["code", "name", "name_en"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent", "leader_phone", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name", "name_en"]
    autocomplete_fields = ["parent"]
    filter_horizontal = ["areas"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "role"]
    list_filter = ["role"]
    search_fields = ["user__username", "unit__name", "unit__code"]
    autocomplete_fields = ["user", "unit"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["priority", "category", "area", "unit", "is_active"]
    list_editable = ["is_active"]
    list_filter = ["category", "is_active"]
    ordering = ["priority", "id"]
    autocomplete_fields = ["unit"]
    raw_id_fields = ["area"]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["category", "unit", "amount", "period"]
    list_filter = ["period", "category"]
    autocomplete_fields = ["unit"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "note"]
    list_filter = ["kind"]
    date_hierarchy = "date"
