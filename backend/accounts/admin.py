from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import User


@admin.register(User)
class HotlineUserAdmin(UserAdmin):
    list_display = ("username", "phone", "first_name", "last_name", "is_staff")
    search_fields = ("username", "phone", "first_name", "last_name", "email")
    fieldsets = (*(UserAdmin.fieldsets or ()), ("Hotline", {"fields": ("phone", "language")}))
