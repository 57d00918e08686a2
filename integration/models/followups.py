"""The follow-up of each dose and its integration note (DESIGN.md, "The course of treatment").

A follow-up goes due → booked → held → integrated (its note signed), with `unbookable` on the
side (no slot in the window, a cancelled appointment or a second no-show: a work-queue item and
an alert). Overdue is not a status but a moment (`closes_at`, the end of day 3): a follow-up of
any open status can be overdue, and `overdue_alerted_at` records the one alert it raised.
Exactly one follow-up per dose: a unique constraint, whatever the number of signals, sweeps,
retries or workers. Writes go through `integration.followups.services` and `.notes`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from integration.errors import IntegrationError
from integration.schedule.models import ScheduledWork
from kap_clinic.triggers import never_changed
from patients.models import Patient, TreatmentCourse
from sessions.models import Appointment, Dose, NoteStatus

_USER = settings.AUTH_USER_MODEL
SIGNED_MESSAGE = "A signed integration note is never changed: add an addendum instead."


class FollowUp(ScheduledWork):
    class Status(models.TextChoices):
        DUE = "due", "Being booked"
        BOOKED = "booked", "Booked"
        HELD = "held", "Held, note to sign"
        INTEGRATED = "integrated", "Integrated"
        UNBOOKABLE = "unbookable", "Needs a time"

    OPEN = (Status.DUE, Status.BOOKED, Status.HELD, Status.UNBOOKABLE)

    dose = models.OneToOneField(Dose, on_delete=models.PROTECT, related_name="followup")
    course = models.ForeignKey(TreatmentCourse, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="followups")
    # The primary therapist when the dose finished: who is booked and who is alerted.
    therapist = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.PROTECT, related_name="followups"
    )
    appointment = models.OneToOneField(
        Appointment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="followup",
        help_text="The integration appointment now planned or held.",
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.DUE, editable=False
    )
    dose_at = models.DateTimeField(help_text="When the dose started.")
    first_day = models.DateField(help_text="Clinic-local day 1 after the dose.")
    last_day = models.DateField(help_text="Clinic-local day 3 after the dose.")
    earliest = models.DateTimeField(help_text="The automatic booking's earliest start.")
    closes_at = models.DateTimeField(help_text="The end of the last day: overdue from then on.")
    policy_label = models.CharField(max_length=32, blank=True)
    no_shows = models.PositiveSmallIntegerField(default=0, editable=False)
    problem = models.TextField(blank=True, help_text="Why it needs a time (the work queue).")
    outside_reason = models.TextField(blank=True, help_text="Why it was moved outside the window.")
    overdue_alerted_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    integrated_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["closes_at", "id"]
        triggers = [
            never_changed(
                "followup_integrated_final",
                "an integrated follow-up",
                condition="OLD.status = 'integrated'",
            )
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="followup_status_due"),
            models.Index(fields=["status", "closes_at"], name="followup_status_closes"),
            models.Index(fields=["therapist", "status"], name="followup_therapist_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["due", "booked", "held", "integrated", "unbookable"]),
                name="followup_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(last_day__gte=models.F("first_day")), name="followup_window_ordered"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["booked", "held"]) | Q(appointment__isnull=False),
                name="followup_booked_has_appointment",
            ),
            models.CheckConstraint(
                condition=~Q(status="integrated") | Q(integrated_at__isnull=False),
                name="followup_integrated_has_time",
            ),
        ]

    def __str__(self):
        return f"Follow-up {self.pk} ({self.get_status_display().lower()})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class IntegrationNote(models.Model):
    """The integration session's note: draft → signed, never changed once signed (here, in the
    admin and, on PostgreSQL, by a trigger); corrections are addenda. Signing it integrates the
    dose."""

    class Risk(models.TextChoices):
        NONE = "none", "No current risk concerns"
        LOW = "low", "Passive thoughts only; safety plan reviewed"
        ELEVATED = "elevated", "Elevated risk: the prescriber is alerted"

    followup = models.OneToOneField(FollowUp, on_delete=models.PROTECT, related_name="note")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    how_it_went = models.TextField("How the dose went", blank=True)
    themes = models.TextField("Themes and insights", blank=True)
    body_emotions = models.TextField("Body and emotions", blank=True)
    carry_forward = models.TextField("What to carry into the next dose", blank=True)
    homework = models.TextField(blank=True)
    journal_prompts = models.TextField(
        blank=True,
        help_text="One prompt a line; start a line with a category (Body, Emotions, Insights, "
        "Relationships, Intentions) and a colon to file it there.",
    )
    questionnaires = models.TextField("PHQ-9 / GAD-7", blank=True)
    risk = models.CharField("Risk check", max_length=16, choices=Risk.choices, blank=True)
    risk_notes = models.TextField("Risk check notes", blank=True)
    status = models.CharField(
        max_length=16, choices=NoteStatus.choices, default=NoteStatus.DRAFT, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    signed_at = models.DateTimeField(null=True, blank=True, editable=False)
    signed_sha256 = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        triggers = [
            never_changed(
                "integration_note_signed_immutable",
                "a signed integration note",
                condition="OLD.status = 'signed'",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft")
                | (Q(signed_at__isnull=False) & ~Q(signed_sha256="") & ~Q(risk="")),
                name="integration_note_signed_complete",
            ),
        ]

    def __str__(self):
        return f"Integration note {self.pk} ({self.get_status_display().lower()})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            stored = IntegrationNote.objects.filter(pk=self.pk).values("status").first()
            if stored and stored["status"] == NoteStatus.SIGNED:
                raise IntegrationError(SIGNED_MESSAGE)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        stored = IntegrationNote.objects.filter(pk=self.pk).values("status").first()
        if stored and stored["status"] == NoteStatus.SIGNED:
            raise IntegrationError("A signed integration note is never deleted.")
        return super().delete(*args, **kwargs)

    @property
    def is_signed(self) -> bool:
        return self.status == NoteStatus.SIGNED


class IntegrationNoteAddendum(models.Model):
    note = models.ForeignKey(IntegrationNote, on_delete=models.PROTECT, related_name="addenda")
    author = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "integration note addenda"
        triggers = [never_changed("integration_note_addendum_immutable", "an addendum")]

    def __str__(self):
        return f"Addendum {self.pk} to integration note {self.note_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise IntegrationError("An addendum is never changed: add another one.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise IntegrationError("An addendum is never deleted.")
