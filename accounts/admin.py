from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import User


@admin.register(User)
class ClinicUserAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "on_call", "is_active")
    list_filter = ("role", "on_call", "is_active")
    fieldsets = (
        *UserAdmin.fieldsets[:1],
        ("Role", {"fields": ("role", "on_call")}),
        *UserAdmin.fieldsets[1:2],
        ("Status", {"fields": ("is_active", "last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"fields": ("username", "role", "password1", "password2")}),)
    readonly_fields = ("last_login", "date_joined")
    search_fields = ("username", "first_name", "last_name", "email")
