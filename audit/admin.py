from functools import cached_property

from django.contrib import admin
from django.core.paginator import Paginator

from audit.models import AuditEvent, AuditSeal


class ReadOnlyAdmin(admin.ModelAdmin):
    """The audit trail is read in the admin, never written there."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CappedCountPaginator(Paginator):
    """Counts at most COUNT_CAP + 1 events: the audit table holds millions of rows, and the
    admin's page is read 100 rows at a time (issue 21). Narrow by date, action or patient to
    reach older pages."""

    COUNT_CAP = 10_000

    @cached_property
    def count(self) -> int:
        return self.object_list[: self.COUNT_CAP + 1].count()


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    paginator = CappedCountPaginator
    show_full_result_count = False  # no second COUNT(*) of every event
    list_display = ("id", "at", "user", "role", "action", "object_type", "object_id", "ip")
    list_filter = ("action", "role", "object_type")
    search_fields = ("=patient_id", "=object_id")  # opaque ids only: a search is a GET
    date_hierarchy = "at"


@admin.register(AuditSeal)
class AuditSealAdmin(ReadOnlyAdmin):
    list_display = ("id", "first_event_id", "last_event_id", "event_count", "sealed_at")
