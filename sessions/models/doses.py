"""A dose and everything charted at the chair side: the pre-dose checklist, the order, the
controlled-substance record, vitals, adverse events and discharge.

Each dose goes booked → started → discharged | ended early → integrated, only through
`sessions.dosing.services` (DESIGN.md, "The course of treatment").
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Round
from django.db.models.lookups import Exact
from pgtrigger import AnyChange, Delete, Update

from kap_clinic.triggers import Refuse, never_changed
from sessions.errors import SessionsError
from sessions.models.booking import Appointment

_USER = settings.AUTH_USER_MODEL

# The Schedule III lines a person types (on the dose, and in full on each amendment).
SCHEDULE_III_LINES = (
    "strength",
    "lot",
    "expiry",
    "quantity_drawn_mg",
    "quantity_given_mg",
    "quantity_wasted_mg",
)
# The order and the Schedule III record (attribute names): frozen once the dose is discharged or
# ended early (here, and on PostgreSQL by the trigger `dose_record_frozen` over the same columns).
RECORD_FIELDS = (
    "drug",
    "route",
    "dose_mg",
    "started_at",
    *SCHEDULE_III_LINES,
    "waste_witness_id",
    "waste_witnessed_at",
    "administered_by_id",
)
FROZEN_MESSAGE = (
    "The Schedule III record is frozen once the dose is discharged or ended early: "
    "add an amendment instead."
)


def quantity_constraints(prefix: str, *, given_within_order: bool) -> list:
    """Drawn = given + wasted, both drawn and given above zero, waste witnessed, and (on the
    dose) never more given than ordered: the database holds what the service checks."""
    # Spelled out with IS NOT NULL: a CHECK whose comparison meets a NULL passes.
    empty = Q(
        quantity_drawn_mg__isnull=True,
        quantity_given_mg__isnull=True,
        quantity_wasted_mg__isnull=True,
    )
    # Rounded to the field's places: SQLite compares decimals as floats (10.1 + 2.2).
    balanced = Exact(
        Round(
            models.F("quantity_drawn_mg")
            - models.F("quantity_given_mg")
            - models.F("quantity_wasted_mg"),
            2,
        ),
        0,
    )
    lines = Q(
        balanced,
        quantity_drawn_mg__isnull=False,
        quantity_given_mg__isnull=False,
        quantity_wasted_mg__isnull=False,
        quantity_drawn_mg__gt=0,
        quantity_given_mg__gt=0,
        quantity_wasted_mg__gte=0,
    )
    checks = [
        models.CheckConstraint(
            condition=empty | lines,
            name=f"{prefix}_drawn_is_given_plus_wasted",
        ),
        models.CheckConstraint(
            condition=Q(quantity_wasted_mg__isnull=True)
            | Q(quantity_wasted_mg=0)
            | Q(waste_witness__isnull=False),
            name=f"{prefix}_waste_witnessed",
        ),
    ]
    if given_within_order:
        checks.append(
            models.CheckConstraint(
                condition=Q(quantity_given_mg__isnull=True)
                | Q(dose_mg__isnull=False, quantity_given_mg__lte=models.F("dose_mg")),
                name=f"{prefix}_given_within_order",
            )
        )
    return checks


class Dose(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        STARTED = "started", "Started"
        DISCHARGED = "discharged", "Discharged"
        ENDED_EARLY = "ended_early", "Ended early"
        INTEGRATED = "integrated", "Integrated"

    FINISHED = (Status.DISCHARGED, Status.ENDED_EARLY, Status.INTEGRATED)

    class Drug(models.TextChoices):
        KETAMINE = "ketamine", "Ketamine (racemic)"
        ESKETAMINE = "esketamine", "Esketamine"

    class Route(models.TextChoices):
        IV = "iv", "IV infusion"
        IM = "im", "IM injection"
        SUBLINGUAL = "sublingual", "Sublingual lozenge"
        INTRANASAL = "intranasal", "Intranasal spray"

    class Disposition(models.TextChoices):
        STOPPED = "stopped", "Dose stopped, patient recovered in clinic"
        TRANSFERRED = "transferred", "Transferred to emergency care"
        LEFT = "left", "Patient left against advice"

    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="dose")
    course = models.ForeignKey(
        "patients.TreatmentCourse", on_delete=models.PROTECT, related_name="doses"
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.BOOKED, editable=False
    )
    policy_label = models.CharField(max_length=32, blank=True)

    # The prescriber's order.
    drug = models.CharField(max_length=16, choices=Drug.choices, blank=True)
    route = models.CharField(max_length=16, choices=Route.choices, blank=True)
    weight_kg = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    dose_mg = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    mg_per_kg = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    order_text = models.TextField(blank=True)
    ordered_by = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ordered_at = models.DateTimeField(null=True, blank=True)
    range_confirm_reason = models.TextField(blank=True)  # outside the policy's range
    weight_confirm_reason = models.TextField(blank=True)  # outside the plausible adult weight

    # Confirmations a prescriber gives at the start, with a reason.
    confirmed_by = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    bp_confirm_reason = models.TextField(blank=True)
    previous_dose_reason = models.TextField(blank=True)

    # Schedule III record.
    strength = models.CharField(max_length=40, blank=True, help_text="e.g. 50 mg/mL")
    lot = models.CharField(max_length=40, blank=True)
    expiry = models.DateField(null=True, blank=True)
    quantity_drawn_mg = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    quantity_given_mg = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    quantity_wasted_mg = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    waste_witness = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    waste_witnessed_at = models.DateTimeField(null=True, blank=True)
    administered_by = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    started_by = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    # The latest reading before the start, whatever its label: the pre-dose band read it, and
    # discharge compares with it (CLINICAL.md, "Discharge").
    start_reading = models.ForeignKey(
        "VitalSigns",
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="+",
        editable=False,
    )
    ended_at = models.DateTimeField(null=True, blank=True, editable=False)
    dissociation = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Clinician rating 0–10 at the peak."
    )
    setting_notes = models.TextField(blank=True, help_text="Music, eye shades, the room.")

    # Discharge.
    alert_and_oriented = models.BooleanField(default=False)
    walking_steadily = models.BooleanField(default=False)
    escort_present = models.BooleanField(default=False)
    no_driving_acknowledged = models.BooleanField(default=False)
    monitoring_minutes = models.PositiveIntegerField(null=True, blank=True, editable=False)
    discharged_by = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    disposition = models.CharField(max_length=16, choices=Disposition.choices, blank=True)
    ended_early_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-appointment__start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=["booked", "started", "discharged", "ended_early", "integrated"]
                ),
                name="dose_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="booked") | Q(started_at__isnull=False, dose_mg__isnull=False),
                name="dose_started_has_order",
            ),
            models.CheckConstraint(
                condition=~Q(status="ended_early")
                | (~Q(disposition="") & ~Q(ended_early_reason="")),
                name="dose_ended_early_explained",
            ),
            *quantity_constraints("dose", given_within_order=True),
            # A patient is dosed once at a time (one open course per patient).
            models.UniqueConstraint(
                fields=["course"],
                condition=Q(status="started"),
                name="dose_one_in_progress_per_course",
                violation_error_message="The patient's previous dose is still in progress.",
            ),
        ]
        # Once finished (FINISHED), the order and Schedule III lines never change and the dose
        # never reopens; a dose that was given is never deleted.
        triggers = [
            Refuse(
                name="dose_record_frozen",
                message="the Schedule III record of dose % is frozen once it is %: "
                "add an amendment",
                values=("OLD.id", "OLD.status"),
                operation=Update,
                condition="OLD.status IN ('discharged', 'ended_early', 'integrated') AND ("
                "NEW.status NOT IN ('discharged', 'ended_early', 'integrated') OR {changed})",
                changed=AnyChange(*RECORD_FIELDS),
            ),
            Refuse(
                name="dose_given_never_deleted",
                message="dose % has a Schedule III record: it is never deleted",
                values=("OLD.id",),
                operation=Delete,
                condition="OLD.status <> 'booked'",
            ),
        ]

    def __str__(self):
        return f"Dose {self.pk} ({self.get_status_display()})"

    def save(self, *args, **kwargs):
        # Like a signed note: once finished, the Schedule III lines never change here either.
        if not self._state.adding:
            stored = Dose.objects.filter(pk=self.pk).values("status", *RECORD_FIELDS).first()
            if stored and stored["status"] in self.FINISHED:
                changed = any(stored[name] != getattr(self, name) for name in RECORD_FIELDS)
                if changed or self.status not in self.FINISHED:
                    raise SessionsError(FROZEN_MESSAGE)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        stored = Dose.objects.filter(pk=self.pk).values_list("status", flat=True).first()
        if stored not in (None, self.Status.BOOKED):
            raise SessionsError("A dose that was given is never deleted.")
        return super().delete(*args, **kwargs)

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED


class AdministrationAmendment(models.Model):
    """A correction of a finished dose's Schedule III record: the corrected lines in full, who,
    when and why. The dose keeps its original lines; amendments are never changed or deleted
    (here and, on PostgreSQL, by a trigger). The latest amendment is the record in force."""

    dose = models.ForeignKey(Dose, on_delete=models.PROTECT, related_name="amendments")
    strength = models.CharField(max_length=40)
    lot = models.CharField(max_length=40)
    expiry = models.DateField()
    quantity_drawn_mg = models.DecimalField(max_digits=6, decimal_places=2)
    quantity_given_mg = models.DecimalField(max_digits=6, decimal_places=2)
    quantity_wasted_mg = models.DecimalField(max_digits=6, decimal_places=2)
    waste_witness = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            *quantity_constraints("amendment", given_within_order=False),
            models.CheckConstraint(condition=~Q(reason=""), name="amendment_has_reason"),
        ]
        triggers = [never_changed("administration_amendment_immutable", "a Schedule III amendment")]

    def __str__(self):
        return f"Amendment {self.pk} to dose {self.dose_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise SessionsError("An amendment is never changed: add another one.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise SessionsError("An amendment is never deleted.")


STRIKE_FIELDS = ("struck_at", "struck_by", "strike_reason")
STRUCK_MESSAGE = "A struck entry is never changed or deleted: it stays in the record as struck."


class Strikable(models.Model):
    """A chair-side entry corrected by an amendment: struck once, with who, when and why, by
    `sessions.dosing.monitoring.entry_strike`. The original stays (shown struck through, printed
    in the session record) and no longer counts for the start, discharge or next-due rules. A
    struck row is never changed or deleted: here, and on PostgreSQL by a trigger (0008)."""

    struck_at = models.DateTimeField(null=True, blank=True, editable=False)
    struck_by = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    strike_reason = models.TextField(blank=True, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            stored = type(self).objects.filter(pk=self.pk).values_list("struck_at", flat=True)
            if stored.first() is not None:
                raise SessionsError(STRUCK_MESSAGE)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if type(self).objects.filter(pk=self.pk, struck_at__isnull=False).exists():
            raise SessionsError(STRUCK_MESSAGE)
        return super().delete(*args, **kwargs)

    @property
    def is_struck(self) -> bool:
        return self.struck_at is not None


def _strike_final(prefix: str, what: str) -> list[Refuse]:
    """A struck row is never changed, deleted or unstruck; striking it changes nothing else."""
    return [
        never_changed(
            f"{prefix}_struck_immutable", f"a struck {what}", "OLD.struck_at IS NOT NULL"
        ),
        Refuse(
            name=f"{prefix}_strike_keeps_charted",
            message=f"striking a {what} keeps what was charted",
            operation=Update,
            condition="OLD.struck_at IS NULL AND NEW.struck_at IS NOT NULL AND {changed}",
            changed=AnyChange(exclude=list(STRIKE_FIELDS)),
        ),
    ]


def _strike_explained(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(struck_at__isnull=True, struck_by__isnull=True, strike_reason="")
        | (Q(struck_at__isnull=False, struck_by__isnull=False) & ~Q(strike_reason="")),
        name=f"{prefix}_strike_explained",
    )


class ChecklistItem(Strikable):
    """One pre-dose check, ticked by a named staff member (a wrong tick is struck, then ticked
    again)."""

    class Item(models.TextChoices):
        IDENTITY = "identity", "Two patient identifiers checked"
        ALLERGIES = "allergies", "Allergies reconciled"
        MEDICATIONS = "medications", "Current medications reconciled"
        PREGNANCY = "pregnancy", "Pregnancy status confirmed (or cannot apply)"
        FASTING = "fasting", "Fasting confirmed (no food 4 h, no liquids 2 h)"
        ESCORT = "escort", "Escort named and taking the patient home"

    dose = models.ForeignKey(Dose, on_delete=models.CASCADE, related_name="checklist")
    item = models.CharField(max_length=16, choices=Item.choices)
    checked_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["checked_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dose", "item"],
                condition=Q(struck_at__isnull=True),
                name="checklist_item_once",
            ),
            _strike_explained("checklist"),
        ]
        triggers = _strike_final("checklist", "checklist tick")

    def __str__(self):
        return self.get_item_display()


class VitalSigns(Strikable):
    """One row of the vitals grid (a wrongly entered row is struck, never edited)."""

    class Moment(models.TextChoices):
        PRE_DOSE = "pre_dose", "Pre-dose"
        DURING = "during", "During"
        PEAK = "peak", "About 40 min"
        DISCHARGE = "discharge", "Discharge"

    dose = models.ForeignKey(Dose, on_delete=models.CASCADE, related_name="vitals")
    moment = models.CharField(max_length=16, choices=Moment.choices)
    taken_at = models.DateTimeField()
    systolic = models.PositiveSmallIntegerField(null=True, blank=True)
    diastolic = models.PositiveSmallIntegerField(null=True, blank=True)
    heart_rate = models.PositiveSmallIntegerField(null=True, blank=True)
    spo2 = models.PositiveSmallIntegerField("SpO2", null=True, blank=True)
    respiratory_rate = models.PositiveSmallIntegerField(null=True, blank=True)
    # The fields past an alert limit when recorded (for highlighting and the record).
    alerts = models.JSONField(default=list, blank=True)
    taken_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["taken_at", "id"]
        verbose_name_plural = "vital signs"
        constraints = [
            models.CheckConstraint(
                condition=Q(systolic__isnull=True, diastolic__isnull=True)
                | Q(systolic__gt=models.F("diastolic")),
                name="vitals_bp_plausible",
            ),
            _strike_explained("vitals"),
        ]
        triggers = _strike_final("vitals", "vitals row")

    def __str__(self):
        return f"{self.get_moment_display()} {self.taken_at:%H:%M}"


class AdverseEvent(models.Model):
    class Kind(models.TextChoices):
        NAUSEA = "nausea", "Nausea"
        VOMITING = "vomiting", "Vomiting"
        HYPERTENSION = "hypertension", "Hypertension"
        AGITATION = "agitation", "Agitation"
        EMERGENCE = "emergence", "Emergence reaction"
        RESPIRATORY = "respiratory", "Respiratory depression"
        OTHER = "other", "Other"

    class Severity(models.TextChoices):
        MILD = "mild", "Mild"
        MODERATE = "moderate", "Moderate"
        SEVERE = "severe", "Severe"
        SERIOUS = "serious", "Serious (opens an incident report)"

    class ActionTaken(models.TextChoices):
        OBSERVED = "observed", "Observed, no treatment"
        RESCUE = "rescue", "Rescue medication"
        OXYGEN = "oxygen", "Oxygen"
        STOPPED = "stopped", "Dose stopped"
        EMERGENCY = "emergency", "Emergency services called"

    dose = models.ForeignKey(Dose, on_delete=models.CASCADE, related_name="adverse_events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    severity = models.CharField(max_length=16, choices=Severity.choices)
    action_taken = models.CharField(max_length=16, choices=ActionTaken.choices)
    notes = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_severity_display()})"


class IncidentReport(models.Model):
    """Opened by a serious adverse event; reviewed outside the chair-side chart."""

    event = models.OneToOneField(AdverseEvent, on_delete=models.PROTECT, related_name="incident")
    opened_at = models.DateTimeField(auto_now_add=True)
    opened_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    summary = models.TextField(blank=True)

    def __str__(self):
        return f"Incident report {self.pk}"
