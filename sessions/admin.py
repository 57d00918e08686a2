from django.contrib import admin
from django.utils import timezone

from audit.models import Action
from audit.services import record
from sessions.models import (
    Appointment,
    AppointmentType,
    CalendarFeed,
    ClinicClosedDay,
    ClinicianDayOff,
    ClinicianHours,
    Room,
)


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ("name", "is_active")
    list_filter = ("is_active",)


@admin.register(ClinicianHours)
class ClinicianHoursAdmin(admin.ModelAdmin):
    list_display = ("clinician", "weekday", "starts", "ends")
    list_filter = ("weekday", "clinician")
    ordering = ("clinician__last_name", "weekday", "starts")


@admin.register(ClinicianDayOff)
class ClinicianDayOffAdmin(admin.ModelAdmin):
    list_display = ("clinician", "first_day", "last_day", "reason")
    list_filter = ("clinician",)
    date_hierarchy = "first_day"


@admin.register(ClinicClosedDay)
class ClinicClosedDayAdmin(admin.ModelAdmin):
    list_display = ("day", "reason")
    date_hierarchy = "day"


@admin.register(AppointmentType)
class AppointmentTypeAdmin(admin.ModelAdmin):
    """The three types come from a migration; their codes drive the booking rules."""

    list_display = ("name", "code", "default_minutes", "needs_room", "is_active", "position")
    readonly_fields = ("code",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    """Read only: appointments change through the booking pages, whose rules and audit apply."""

    list_display = ("start", "type", "clinician", "room", "status")
    list_filter = ("status", "type", "room")
    date_hierarchy = "start"
    list_select_related = ("type", "clinician", "room")
    # No patient names in the admin: the list links the appointment by id only.
    fields = ("type", "clinician", "room", "start", "end", "status", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    """An administrator can revoke a clinician's feed (a lost phone); only the clinician can
    issue one, and the address is never stored."""

    list_display = ("clinician", "created_at", "revoked_at", "last_fetched_at")
    list_filter = ("revoked_at",)
    fields = ("clinician", "created_at", "revoked_at", "last_fetched_at")
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Revoke the selected feeds")
    def revoke(self, request, queryset):
        live = list(queryset.filter(revoked_at=None))
        for feed in live:
            feed.revoked_at = timezone.now()
            feed.save(update_fields=["revoked_at"])
            record(user=request.user, action=Action.CHANGE, obj=feed, detail={"revoked": True})
        self.message_user(request, f"Revoked {len(live)} feed(s).")
