"""The record of a preparation session: goals, intentions, expectations, fasting instructions,
medication adjustments and the escort who takes the patient home after each dose.

One record per preparation appointment, a draft until the clinician completes it. A completed
record's clinical content is final (here and, on PostgreSQL, by a trigger); only the escort may
still change, because the escort is confirmed again before every dose. Writes go through
`sessions.preparation.services`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from pgtrigger import AnyChange

from kap_clinic.triggers import final_once
from patients.models import Patient, TreatmentCourse
from sessions.errors import SessionsError
from sessions.models.booking import Appointment

# What may still change once a record is completed.
MUTABLE_AFTER_COMPLETION = ("escort_name", "escort_phone", "escort_relationship", "updated_at")


class PreparationRecord(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        COMPLETED = "completed", "Completed"

    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, related_name="preparation_record"
    )
    course = models.ForeignKey(
        TreatmentCourse, on_delete=models.PROTECT, related_name="preparation_records"
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    goals = models.TextField(blank=True)
    intentions = models.TextField(blank=True)
    expectations = models.TextField(
        blank=True, help_text="What the patient expects, and what was explained."
    )
    fasting_instructions_given = models.BooleanField(
        default=False, help_text="No food 4 h and no liquids 2 h before each dose."
    )
    medication_adjustments = models.TextField(blank=True)
    escort_name = models.CharField(max_length=200, blank=True)
    escort_relationship = models.CharField(max_length=100, blank=True)
    escort_phone = models.CharField(max_length=32, blank=True)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["course", "status"])]
        triggers = final_once(
            "preparation_completed",
            when="OLD.status = 'completed'",
            changed=AnyChange(exclude=list(MUTABLE_AFTER_COMPLETION)),
            message="a completed preparation record is final; only the escort may change",
            deleted="a completed preparation record cannot be deleted",
        )
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft")
                | (Q(completed_at__isnull=False) & Q(completed_by__isnull=False)),
                name="preparation_completed_has_who_when",
            ),
        ]

    def __str__(self):
        return f"Preparation record {self.pk} ({self.get_status_display().lower()})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            final = [
                f.attname
                for f in self._meta.concrete_fields
                if f.attname not in MUTABLE_AFTER_COMPLETION
            ]
            stored = PreparationRecord.objects.filter(pk=self.pk).values(*final).first()
            if (
                stored
                and stored["status"] == self.Status.COMPLETED
                and any(stored[name] != getattr(self, name) for name in final)
            ):
                raise SessionsError(
                    "A completed preparation record is final; only the escort may change."
                )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_completed:
            raise SessionsError("A completed preparation record is never deleted.")
        return super().delete(*args, **kwargs)

    @property
    def is_completed(self) -> bool:
        return self.status == self.Status.COMPLETED
