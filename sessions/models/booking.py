"""Scheduling: rooms, clinicians' hours, closed days, appointment types and appointments.

Appointments are written only through `sessions.booking.services`; their times are stored in UTC and
shown in the clinic's time zone (settings.TIME_ZONE).
"""

from django.conf import settings
from django.contrib.postgres.fields import RangeOperators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, Value

from accounts.roles import CLINICIANS
from patients.models import Patient, TreatmentCourse
from sessions.booking.constraints import PostgresExclusionConstraint, TsTzRange

_CLINICIAN_CHOICES = {"role__in": sorted(CLINICIANS), "is_active": True}


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class Room(models.Model):
    name = models.CharField(max_length=60, unique=True)
    is_active = models.BooleanField("in use", default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ClinicianHours(models.Model):
    """One block of a clinician's weekly hours, in clinic local time (a day may have several)."""

    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="working_hours",
        limit_choices_to=_CLINICIAN_CHOICES,
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts = models.TimeField()
    ends = models.TimeField()

    class Meta:
        verbose_name_plural = "clinician hours"
        ordering = ["clinician", "weekday", "starts"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends__gt=models.F("starts")), name="hours_end_after_start"
            ),
            models.UniqueConstraint(
                fields=["clinician", "weekday", "starts"], name="hours_block_once"
            ),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.starts:%H:%M}–{self.ends:%H:%M}"

    def clean(self):
        if self.starts is None or self.ends is None or not self.clinician_id:
            return
        overlapping = ClinicianHours.objects.filter(
            clinician_id=self.clinician_id,
            weekday=self.weekday,
            starts__lt=self.ends,
            ends__gt=self.starts,
        ).exclude(pk=self.pk)
        if overlapping.exists():
            raise ValidationError("These hours overlap another block on the same day.")


class ClinicianDayOff(models.Model):
    """Days a clinician does not work (first and last day included)."""

    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="days_off",
        limit_choices_to=_CLINICIAN_CHOICES,
    )
    first_day = models.DateField()
    last_day = models.DateField()
    reason = models.CharField(max_length=200, blank=True, help_text="Not shown to patients.")

    class Meta:
        verbose_name = "clinician's days off"
        verbose_name_plural = "clinicians' days off"
        ordering = ["first_day"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__gte=models.F("first_day")), name="day_off_ends_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.clinician} off {self.first_day}–{self.last_day}"


class ClinicClosedDay(models.Model):
    day = models.DateField(unique=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["day"]

    def __str__(self):
        return f"Closed {self.day}"


class AppointmentType(models.Model):
    """Preparation, dosing or integration, with its default length. The three rows come from a
    data migration; an administrator may change their names, lengths and rooms, not their codes,
    which the booking rules depend on."""

    class Code(models.TextChoices):
        PREPARATION = "preparation", "Preparation"
        DOSING = "dosing", "Dosing"
        INTEGRATION = "integration", "Integration"

    code = models.CharField(max_length=16, choices=Code.choices, unique=True)
    name = models.CharField(max_length=60)
    default_minutes = models.PositiveSmallIntegerField()
    # The shortest booking the clinic allows (dosing: the checks, the dose and 120 minutes of
    # monitoring); set by a data migration and read-only in the admin.
    min_minutes = models.PositiveSmallIntegerField(
        default=0, editable=False, help_text="The shortest this appointment may be booked."
    )
    needs_room = models.BooleanField(
        default=True, help_text="Off when the appointment may be held by telehealth."
    )
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField("bookable", default=True)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(default_minutes__gte=5, default_minutes__lte=600),
                name="appointment_type_length_sane",
            ),
            models.CheckConstraint(
                condition=Q(default_minutes__gte=models.F("min_minutes")),
                name="appointment_type_default_at_least_minimum",
                violation_error_message="The default length must be at least its minimum.",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        # The admin's form leaves the read-only minimum out, so the constraint alone is not asked.
        if self.default_minutes is not None and self.default_minutes < self.min_minutes:
            raise ValidationError(
                {
                    "default_minutes": "The default length must be at least its minimum "
                    f"({self.min_minutes} minutes)."
                }
            )


# Cancelled and no-show appointments hold nobody's time: their slot may be booked again.
INACTIVE = ("cancelled", "no_show")


def _no_overlap(name: str, column: str, subject: str) -> PostgresExclusionConstraint:
    return PostgresExclusionConstraint(
        name=name,
        expressions=[
            (column, RangeOperators.EQUAL),
            (TsTzRange("start", "end", Value("[)")), RangeOperators.OVERLAPS),
        ],
        condition=~Q(status__in=INACTIVE),
        violation_error_message=f"The {subject} already has an appointment at this time.",
    )


class Appointment(models.Model):
    """A booked time with one attending clinician, in a room or (integration) by telehealth.

    The attending clinician, the room and the patient never hold two overlapping active
    appointments: on PostgreSQL the exclusion constraints below refuse it even for concurrent
    requests; on SQLite `sessions.booking.services` checks inside its IMMEDIATE transaction.
    Further staff (a prescriber supervising several rooms) are listed without being booked.
    """

    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        # Its dose started (the dose's services set it; discharge or ending early completes it).
        IN_PROGRESS = "in_progress", "In progress"
        CANCELLED = "cancelled", "Cancelled"
        NO_SHOW = "no_show", "No-show"
        COMPLETED = "completed", "Completed"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    course = models.ForeignKey(
        TreatmentCourse, on_delete=models.PROTECT, related_name="appointments"
    )
    type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT, related_name="+")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="attending_appointments",
        help_text="The attending clinician, the one with the patient.",
    )
    room = models.ForeignKey(
        Room, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments"
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="assisting_appointments",
        help_text="Further staff, listed but not booked.",
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.BOOKED, editable=False
    )
    cancel_reason = models.TextField(blank=True, editable=False)
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        ordering = ["start", "id"]
        indexes = [
            models.Index(fields=["clinician", "start"]),
            models.Index(fields=["room", "start"]),
            models.Index(fields=["patient", "start"]),
            models.Index(fields=["start"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="appointment_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["booked", "in_progress", "cancelled", "no_show", "completed"]
                ),
                name="appointment_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancel_reason=""),
                name="appointment_cancelled_has_reason",
            ),
            _no_overlap("appointment_clinician_no_overlap", "clinician", "clinician"),
            _no_overlap("appointment_room_no_overlap", "room", "room"),
            _no_overlap("appointment_patient_no_overlap", "patient", "patient"),
        ]

    def __str__(self):
        return f"{self.type} appointment {self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status not in INACTIVE

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


class CalendarFeed(models.Model):
    """A clinician's secret iCalendar address. Only the token's SHA-256 is stored: the address
    is shown once, when issued; a revoked feed answers 404."""

    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_fetched_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinician"],
                condition=Q(revoked_at__isnull=True),
                name="calendar_feed_one_live_per_clinician",
            ),
        ]

    def __str__(self):
        return f"Calendar feed {self.pk} of {self.clinician}"
