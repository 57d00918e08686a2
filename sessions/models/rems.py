"""The esketamine (Spravato) REMS: the patient's enrollment, and after every esketamine session the
Patient Monitoring Form, due within 7 days.

The form stores only what the chart cannot tell (concomitant medications, sedation, the onsets and
resolutions, when the patient would have been ready to leave); everything else is read from the
dose when shown. Submitting freezes the whole form as filed (`filed`, with the REMS reference):
a submitted form is never changed (here, in the admin and, on PostgreSQL, by a trigger).
Writes go through `sessions.rems.services`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from kap_clinic.triggers import never_changed
from patients.models import Patient
from sessions.errors import SessionsError
from sessions.models.doses import Dose

_USER = settings.AUTH_USER_MODEL


class RemsEnrollment(models.Model):
    """The patient's enrollment in the Spravato REMS, recorded from the REMS's confirmation."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="rems_enrollments")
    rems_patient_id = models.CharField("REMS patient ID", max_length=40)
    enrolled_on = models.DateField()
    recorded_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-enrolled_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(ended_on__isnull=True),
                name="rems_one_current_enrollment",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | ~Q(end_reason=""),
                name="rems_enrollment_end_has_reason",
            ),
        ]

    def __str__(self):
        return f"REMS enrollment {self.rems_patient_id}"


class RemsMonitoringForm(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    dose = models.OneToOneField(Dose, on_delete=models.PROTECT, related_name="rems_form")
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    # Concomitant medications that may sedate or change blood pressure.
    benzodiazepines = models.BooleanField(null=True)
    non_benzodiazepine_hypnotics = models.BooleanField(null=True)
    psychostimulants = models.BooleanField(null=True)
    maois = models.BooleanField(null=True)
    # Minutes after the first device.
    ready_to_leave_minutes = models.PositiveIntegerField(null=True, blank=True)
    sedation = models.BooleanField(null=True)
    sedation_onset_minutes = models.PositiveIntegerField(null=True, blank=True)
    sedation_resolved_minutes = models.PositiveIntegerField(null=True, blank=True)
    dissociation = models.BooleanField(null=True)
    dissociation_onset_minutes = models.PositiveIntegerField(null=True, blank=True)
    dissociation_resolved_minutes = models.PositiveIntegerField(null=True, blank=True)
    respiratory_depression = models.BooleanField(null=True)
    respiratory_onset_minutes = models.PositiveIntegerField(null=True, blank=True)
    respiratory_resolved_minutes = models.PositiveIntegerField(null=True, blank=True)
    # Only asked when the chart cannot say (a session that ended early).
    vitals_acceptable_at_completion = models.BooleanField(null=True)
    updated_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    submitted_by = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    reference = models.CharField("REMS confirmation reference", max_length=60, blank=True)
    filed = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        triggers = [
            never_changed(
                "rems_form_submitted_immutable",
                "a submitted REMS form",
                condition="OLD.status = 'submitted'",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft")
                | (Q(submitted_by__isnull=False, submitted_at__isnull=False) & ~Q(reference="")),
                name="rems_form_submitted_has_reference",
            ),
        ]

    def __str__(self):
        return f"REMS monitoring form {self.pk} ({self.get_status_display().lower()})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            stored = RemsMonitoringForm.objects.filter(pk=self.pk).values("status").first()
            if stored and stored["status"] == self.Status.SUBMITTED:
                raise SessionsError("A submitted REMS form is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.status == self.Status.SUBMITTED:
            raise SessionsError("A submitted REMS form is never deleted.")
        return super().delete(*args, **kwargs)
