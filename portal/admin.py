from django.contrib import admin

from portal.models import JournalPrompt


@admin.register(JournalPrompt)
class JournalPromptAdmin(admin.ModelAdmin):
    """The clinic's library of journal prompts: add, reword or switch off (never delete: given
    prompts point at them)."""

    list_display = ("text", "category", "active", "order")
    list_filter = ("category", "active")
    search_fields = ("text",)

    def has_delete_permission(self, request, obj=None):
        return False
