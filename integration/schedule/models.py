"""The durable schedule's row: far-future work is a row with a due time, never a queued message
(DESIGN.md, "Celery"). Follow-ups use it; reminders will too."""

from django.db import models


class ScheduledWork(models.Model):
    """Work that becomes due at `due_at`. A dispatcher claims it by writing a lease (`claimed_at`,
    `claimed_by`); a lease older than `settings.SCHEDULE_LEASE_SECONDS` is claimed again, so a
    worker killed mid-task delays the row but never loses it."""

    due_at = models.DateTimeField(db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    claimed_by = models.CharField(max_length=120, blank=True, editable=False)
    attempts = models.PositiveIntegerField(default=0, editable=False)
    last_error = models.TextField(blank=True, editable=False)

    class Meta:
        abstract = True
