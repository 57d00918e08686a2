from django.contrib import admin

from audit.models import AuditEvent, AuditSeal


class ReadOnlyAdmin(admin.ModelAdmin):
    """The audit trail is read in the admin, never written there."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "at", "user", "role", "action", "object_type", "object_id", "ip")
    list_filter = ("action", "role", "object_type")
    search_fields = ("=patient_id", "=object_id", "user__username")
    date_hierarchy = "at"


@admin.register(AuditSeal)
class AuditSealAdmin(ReadOnlyAdmin):
    list_display = ("id", "first_event_id", "last_event_id", "event_count", "sealed_at")
