"""Clinical notes: progress notes per appointment, and psychotherapy notes kept apart.

A note is a draft until its author signs it; a signed note is never changed or deleted (here, in
the admin and, on PostgreSQL, by a trigger): corrections are addenda, which are never changed
either. Psychotherapy notes are a separate table that only their author reads; they never appear
on the chart, in PDFs or in the patient's record export. Writes go through
`sessions.notes.services`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from kap_clinic.triggers import never_changed
from patients.models import Patient
from sessions.errors import SessionsError
from sessions.models.booking import Appointment

SIGNED_MESSAGE = "A signed note is never changed: add an addendum instead."


class NoteStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed"


class _Note(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    status = models.CharField(
        max_length=16, choices=NoteStatus.choices, default=NoteStatus.DRAFT, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    signed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The SHA-256 of the text as signed.
    signed_sha256 = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            stored = type(self).objects.filter(pk=self.pk).values("status").first()
            if stored and stored["status"] == NoteStatus.SIGNED:
                raise SessionsError(SIGNED_MESSAGE)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        stored = type(self).objects.filter(pk=self.pk).values("status").first()
        if stored and stored["status"] == NoteStatus.SIGNED:
            raise SessionsError("A signed note is never deleted.")
        return super().delete(*args, **kwargs)

    @property
    def is_signed(self) -> bool:
        return self.status == NoteStatus.SIGNED


def _signed_complete(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(status="draft") | (Q(signed_at__isnull=False) & ~Q(signed_sha256="")),
        name=name,
    )


def _signed_final(name: str):
    return never_changed(name, "a signed note", condition="OLD.status = 'signed'")


class ProgressNote(_Note):
    """The clinician's note of one appointment, part of the chart."""

    class Meta(_Note.Meta):
        indexes = [models.Index(fields=["appointment", "created_at"])]
        constraints = [_signed_complete("progress_note_signed_complete")]
        triggers = [_signed_final("progress_note_signed_immutable")]

    def __str__(self):
        return f"Progress note {self.pk} ({self.get_status_display().lower()})"


class PsychotherapyNote(_Note):
    """The therapist's private process notes. Only the author reads them; never on the chart."""

    class Meta(_Note.Meta):
        indexes = [models.Index(fields=["author", "appointment"])]
        constraints = [_signed_complete("psychotherapy_note_signed_complete")]
        triggers = [_signed_final("psychotherapy_note_signed_immutable")]

    def __str__(self):
        return f"Psychotherapy note {self.pk} ({self.get_status_display().lower()})"


class _Addendum(models.Model):
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise SessionsError("An addendum is never changed: add another one.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise SessionsError("An addendum is never deleted.")


class ProgressNoteAddendum(_Addendum):
    note = models.ForeignKey(ProgressNote, on_delete=models.PROTECT, related_name="addenda")

    class Meta(_Addendum.Meta):
        verbose_name_plural = "progress note addenda"
        triggers = [never_changed("progress_note_addendum_immutable", "an addendum")]

    def __str__(self):
        return f"Addendum {self.pk} to progress note {self.note_id}"


class PsychotherapyNoteAddendum(_Addendum):
    note = models.ForeignKey(PsychotherapyNote, on_delete=models.PROTECT, related_name="addenda")

    class Meta(_Addendum.Meta):
        verbose_name_plural = "psychotherapy note addenda"
        triggers = [never_changed("psychotherapy_note_addendum_immutable", "an addendum")]

    def __str__(self):
        return f"Addendum {self.pk} to psychotherapy note {self.note_id}"
