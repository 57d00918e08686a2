"""Read-only views of messages and their send log for administrators; the pause is a page of its
own (`message_pause`), linked from here, so every change goes through its audited service."""

from django.contrib import admin

from audit.admin import ReadOnlyAdmin
from notifications.models import Delivery, Message


class DeliveryInline(admin.TabularInline):
    model = Delivery
    fields = ["channel", "status", "to_hint", "handed_at", "finished_at", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["pk", "kind", "status", "due_at", "finished_at", "attempts"]
    list_filter = ["kind", "status"]
    fields = [
        "kind",
        "status",
        "due_at",
        "intended_at",
        "for_start",
        "attempts",
        "claimed_at",
        "note",
        "last_error",
        "resend_of",
        "resend_reason",
        "finished_at",
    ]
    readonly_fields = fields
    inlines = [DeliveryInline]
    ordering = ["-due_at"]
