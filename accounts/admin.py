from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

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
    # No search box: the admin searches by GET, and a patient's account holds their name and
    # their e-mail as user name, which would then stand in the URL and the access log.
    search_fields = ()
    actions = ["reset_two_factor"]

    @admin.action(
        description="Reset two-step sign-in (lost phone): set it up again at next sign-in"
    )
    def reset_two_factor(self, request, queryset):
        from accounts.services import two_factor_reset

        for user in queryset:
            two_factor_reset(user=user, by=request.user)
        messages.success(
            request,
            f"Two-step sign-in reset for {len(queryset)} user(s); their sessions have ended.",
        )


# django-otp's own device lists search accounts by GET (a patient's user name is their e-mail) and
# show a device's secret; an administrator resets a lost device from the user list instead.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)
