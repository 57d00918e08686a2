import uuid
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from patients import phases


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    INTERSEX = "intersex", "Intersex"
    UNKNOWN = "unknown", "Not recorded"


# A plausible date of birth: from this day to today (the database holds the fixed end).
EARLIEST_BIRTH_DATE = date(1900, 1, 1)


class Patient(models.Model):
    """A person the clinic screens or treats. The id is a UUID so URLs reveal nothing."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    mrn = models.CharField("MRN", max_length=16, unique=True, editable=False)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=16, choices=Sex.choices, default=Sex.UNKNOWN)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    address = models.TextField(blank=True)
    emergency_contact_name = models.CharField(max_length=200, blank=True)
    emergency_contact_relationship = models.CharField(max_length=100, blank=True)
    emergency_contact_phone = models.CharField(max_length=32, blank=True)
    # Set when the patient is invited to the portal.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="patient",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # A hint for the access policy's "no course ever" (intake's candidates without a course), set
    # when the first course is saved: False may be stale (a course written in bulk), True never
    # is, since courses are never deleted; the policy still checks the courses themselves.
    has_course = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["last_name", "first_name", "date_of_birth"]
        indexes = [
            models.Index(fields=["last_name", "first_name"]),
            models.Index(fields=["date_of_birth"]),
            # The intake and prescriber homes list candidates oldest first.
            models.Index(fields=["created_at"]),
            # The few patients who never had a course (the access policy's second candidate set).
            models.Index(
                fields=["id"], condition=Q(has_course=False), name="patient_never_had_course"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_of_birth__gte=EARLIEST_BIRTH_DATE),
                name="patient_born_after_1900",
            ),
        ]

    def __str__(self):
        return f"{self.display_name} ({self.mrn})"

    def clean(self):
        super().clean()
        born = self.date_of_birth
        if isinstance(born, date) and not EARLIEST_BIRTH_DATE <= born <= timezone.localdate():
            raise ValidationError(
                {"date_of_birth": "Enter a date of birth between Jan 1, 1900 and today."}
            )

    @property
    def display_name(self) -> str:
        first = self.preferred_name or self.first_name
        return f"{first} {self.last_name}"

    @property
    def initials(self) -> str:
        return f"{self.first_name[:1]}{self.last_name[:1]}".upper()


class MrnCounter(models.Model):
    """A single row handing out medical record numbers in order, under the row's write lock."""

    last_value = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"MRN counter at {self.last_value}"


class CareTeamMember(models.Model):
    """One clinician on one patient's care team. A clinician sees the patients whose team they
    are on; each team has at most one primary therapist."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="care_team")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="care_teams"
    )
    primary = models.BooleanField(default=False)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-primary", "added_at"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "clinician"], name="care_team_member_once"),
            models.UniqueConstraint(
                fields=["patient"], condition=Q(primary=True), name="care_team_one_primary"
            ),
        ]

    def __str__(self):
        return f"{self.clinician} on {self.patient.mrn}{' (primary)' if self.primary else ''}"


class TreatmentCourse(models.Model):
    """One episode of care, from screening to completion. Its phase changes only through
    `patients.services.course_change_phase`."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="courses")
    phase = models.CharField(
        max_length=16,
        choices=[(p, phases.LABELS[p]) for p in phases.PHASES],
        default=phases.SCREENING,
        editable=False,
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.CheckConstraint(condition=Q(phase__in=phases.PHASES), name="course_phase_valid"),
            models.UniqueConstraint(
                fields=["patient"],
                condition=~Q(phase__in=sorted(phases.CLOSED)),
                name="course_one_open_per_patient",
            ),
        ]
        indexes = [
            # Candidates: the access policy's first set, and the intake queue oldest first.
            models.Index(
                fields=["opened_at", "id"],
                condition=Q(phase=phases.SCREENING),
                name="course_in_screening_opened",
            ),
            models.Index(
                fields=["patient"], condition=Q(phase=phases.SCREENING), name="course_in_screening"
            ),
        ]

    def __str__(self):
        return f"Course {self.pk} ({self.get_phase_display()})"

    def save(self, *args, **kwargs):
        adding = self._state.adding
        super().save(*args, **kwargs)
        if adding:
            Patient.objects.filter(pk=self.patient_id, has_course=False).update(has_course=True)

    @property
    def is_open(self) -> bool:
        return self.phase not in phases.CLOSED


class PhaseChange(models.Model):
    """Who moved a course, when, from where to where, and why."""

    course = models.ForeignKey(
        TreatmentCourse, on_delete=models.PROTECT, related_name="phase_changes"
    )
    from_phase = models.CharField(max_length=16, blank=True)
    to_phase = models.CharField(max_length=16)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.from_phase or 'new'} → {self.to_phase}"

    @property
    def to_label(self) -> str:
        return phases.LABELS.get(self.to_phase, self.to_phase)

    @property
    def from_label(self) -> str:
        return phases.LABELS.get(self.from_phase, "")


class Alert(models.Model):
    """Something a clinician must see: open → acknowledged → resolved with a note.

    The one alert model: screening, dosing and the scheduler raise alerts through
    `patients.services.alert_raise`. An unresolved safety alert blocks the next dose.
    """

    class Kind(models.TextChoices):
        SAFETY = "safety", "Safety"
        VITALS = "vitals", "Vital signs"
        CLINICAL = "clinical", "Clinical"
        SCHEDULING = "scheduling", "Scheduling"
        STOCK = "stock", "Controlled substances"

    class Severity(models.TextChoices):
        INFO = "info", "Information"
        WARNING = "warning", "Warning"
        URGENT = "urgent", "Urgent"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESOLVED = "resolved", "Resolved"

    # Empty only for alerts about no one patient (a controlled-substance loss).
    patient = models.ForeignKey(
        Patient, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="alerts"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    severity = models.CharField(max_length=16, choices=Severity.choices)
    message = models.TextField()
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.OPEN, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True, editable=False)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    resolution_note = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="resolved")
                | (Q(resolved_by__isnull=False) & ~Q(resolution_note="")),
                name="alert_resolved_has_note",
            ),
        ]

    def __str__(self):
        return f"{self.get_severity_display()} {self.get_kind_display()} alert {self.pk}"

    @property
    def is_unresolved(self) -> bool:
        return self.status != self.Status.RESOLVED
