from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from pgtrigger import AnyChange, Delete, Update

from kap_clinic.triggers import Refuse, final_once
from screening.errors import ScreeningError
from screening.rules import Policy, PolicyError


class ScreeningPolicy(models.Model):
    """One version of the clinic policy, as data (CLINICAL.md: *policy* values).

    `data` is a `rules.Policy.to_dict()` document; keys the screening rules do not read (the
    dosing numbers, later) are kept as they are. A draft is edited until it is published; a
    published version is never edited or deleted, here and, on PostgreSQL, by a trigger. At most
    one version is active: the one new screenings use. Only `screening.services` changes status.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    label = models.CharField(
        max_length=32,
        unique=True,
        # It is typed on the command line (`screen --policy v2`) and stored with every decision.
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
                "A label is letters, digits, '.', '-' or '_', such as v2.",
            )
        ],
        error_messages={"unique": "A policy version with this label already exists."},
    )
    data = models.JSONField(help_text="The policy's values, as JSON.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    active = models.BooleanField(default=False)
    based_on = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="derived",
        help_text="The version this one was copied from.",
    )
    notes = models.TextField(blank=True, help_text="What changed and why.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "screening policies"
        # Decisions record the label of the version they used: what it says stays what it said.
        triggers = final_once(
            "screening_policy_published",
            when="OLD.status = 'published'",
            changed=AnyChange("label", "data", "status"),
            message="screening policy % is published: its label, data and status are final",
            deleted="screening policy % is published: it cannot be deleted",
            values=("OLD.label",),
        )
        constraints = [
            models.UniqueConstraint(
                fields=["active"],
                condition=models.Q(active=True),
                name="screening_policy_one_active",
                violation_error_message="Another policy version is already active.",
            ),
            models.CheckConstraint(
                condition=models.Q(active=False) | models.Q(status="published"),
                name="screening_policy_active_is_published",
                violation_error_message="Only a published version can be active.",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(published_at__isnull=False),
                name="screening_policy_published_at_set",
            ),
        ]

    def __str__(self):
        active = ", active" if self.active else ""
        return f"{self.label} ({self.get_status_display().lower()}{active})"

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        final = ("label", "data", "status")
        if not self._state.adding and (update_fields is None or set(final) & set(update_fields)):
            stored = ScreeningPolicy.objects.filter(pk=self.pk).values(*final).first()
            if (
                stored
                and stored["status"] == self.Status.PUBLISHED
                and tuple(stored[name] for name in final) != tuple(getattr(self, n) for n in final)
            ):
                raise ScreeningError(_published_message(stored["label"]))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_published:
            raise ScreeningError(_published_message(self.label))
        return super().delete(*args, **kwargs)

    def clean(self):
        if isinstance(self.data, dict):
            # The label inside the JSON mirrors the version's, so an exported document names itself.
            self.data = {
                "label": self.label,
                **{key: value for key, value in self.data.items() if key != "label"},
            }
        try:
            self.to_policy()
        except PolicyError as error:
            raise ValidationError({"data": str(error)}) from error

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def to_policy(self) -> Policy:
        """The pure policy the rules engine reads (PolicyError if the data is unusable)."""
        return Policy.from_dict(self.data, label=self.label)


def _published_message(label: str) -> str:
    return f"Policy {label} is published and can no longer be changed: create a new draft from it."


# --- Intake: one screening of a candidate, its facts, instruments, decisions and reviews ---------


class Screening(models.Model):
    """One screening of a candidate for a course: the facts intake gathers, kept between visits.

    Facts may change while the screening is in progress or its last decision was `incomplete`;
    any other decision freezes them, so a changed fact (a new blood pressure) needs a new
    screening. `status` is kept by `screening.intake` from the latest decision and its reviews.
    """

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        INCOMPLETE = "incomplete", "Incomplete"
        AWAITING_REVIEW = "awaiting_review", "Awaiting review"
        ELIGIBLE = "eligible", "Eligible"
        EXCLUDED = "excluded", "Excluded"

    OPEN = (Status.IN_PROGRESS, Status.INCOMPLETE)

    course = models.ForeignKey(
        "patients.TreatmentCourse", on_delete=models.PROTECT, related_name="screenings"
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.IN_PROGRESS, editable=False
    )
    # The yes/no history, substance use and medications, keyed as in screening.facts.
    history = models.JSONField(default=dict, blank=True)
    weight_kg = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["course"],
                condition=models.Q(status__in=["in_progress", "incomplete"]),
                name="screening_one_open_per_course",
            ),
        ]
        indexes = [
            # A course's latest screening (the intake queue's status) is one index probe.
            models.Index(
                "course",
                models.F("started_at").desc(),
                models.F("id").desc(),
                name="screening_course_latest",
            ),
        ]

    def __str__(self):
        return f"Screening {self.pk} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class BloodPressureReading(models.Model):
    """A seated resting reading taken at screening."""

    screening = models.ForeignKey(Screening, on_delete=models.PROTECT, related_name="bp_readings")
    systolic = models.PositiveSmallIntegerField()
    diastolic = models.PositiveSmallIntegerField()
    taken_at = models.DateTimeField(auto_now_add=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["taken_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(diastolic__gt=0, systolic__gt=models.F("diastolic")),
                name="bp_reading_plausible",
            ),
        ]

    def __str__(self):
        return f"{self.systolic}/{self.diastolic}"


class InstrumentAdministration(models.Model):
    """One administration of a questionnaire (PHQ-9, GAD-7, PCL-5, C-SSRS screener).

    Saved part-way and resumed while in progress; once completed its answers and score are never
    edited (here and, on PostgreSQL, by a trigger): a new administration replaces it.
    """

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"
        REPLACED = "replaced", "Replaced"

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="instrument_administrations"
    )
    screening = models.ForeignKey(
        Screening, null=True, blank=True, on_delete=models.PROTECT, related_name="administrations"
    )
    instrument = models.CharField(max_length=8)
    version = models.CharField(max_length=8)
    # A list of item answers (None while unanswered), or the C-SSRS answers by question key.
    answers = models.JSONField()
    score = models.JSONField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    started_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        # A completed questionnaire keeps its answers and score; its status may only move on to
        # `replaced`.
        triggers = [
            Refuse(
                name="screening_administration_completed_immutable",
                message="a completed questionnaire is never edited: administer it again",
                operation=Update,
                condition="OLD.status <> 'in_progress' AND ({changed}"
                " OR NOT (NEW.status = OLD.status OR NEW.status = 'replaced'))",
                changed=AnyChange("answers", "score", "instrument", "completed_at"),
            ),
            Refuse(
                name="screening_administration_completed_not_deleted",
                message="a completed questionnaire cannot be deleted",
                operation=Delete,
                condition="OLD.status <> 'in_progress'",
            ),
        ]
        constraints = [
            # Giving a questionnaire again keeps the completed one (what a decision reads)
            # beside the new draft until the draft is completed and replaces it.
            models.UniqueConstraint(
                fields=["screening", "instrument"],
                condition=models.Q(status="in_progress"),
                name="administration_one_draft_per_screening",
            ),
            models.UniqueConstraint(
                fields=["screening", "instrument"],
                condition=models.Q(status="completed"),
                name="administration_one_completed_per_screening",
            ),
            models.CheckConstraint(
                condition=models.Q(status="in_progress")
                | models.Q(completed_at__isnull=False, score__isnull=False),
                name="administration_completed_has_score",
            ),
        ]

    def __str__(self):
        return f"{self.instrument} {self.get_status_display().lower()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            stored = (
                InstrumentAdministration.objects.filter(pk=self.pk)
                .values("status", "answers", "score")
                .first()
            )
            if (
                stored
                and stored["status"] != self.Status.IN_PROGRESS
                and (stored["answers"] != self.answers or stored["score"] != self.score)
            ):
                raise ScreeningError(
                    "A completed questionnaire is never edited: administer it again instead."
                )
        super().save(*args, **kwargs)


class ScreeningDecision(models.Model):
    """The rules engine's answer for one screening, with everything it read. Never changed."""

    screening = models.ForeignKey(Screening, on_delete=models.PROTECT, related_name="decisions")
    decided_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    policy_label = models.CharField(max_length=32)
    facts = models.JSONField()
    outcome = models.CharField(max_length=16)
    reasons = models.JSONField()  # [{code, severity, message}], in rule order
    missing = models.JSONField()
    scores = models.JSONField()
    safety_flags = models.JSONField(default=list)

    class Meta:
        ordering = ["-decided_at", "-id"]
        get_latest_by = ["decided_at", "id"]
        triggers = [
            Refuse(
                name="screening_decision_immutable",
                message="a screening decision is never changed: screen again",
            )
        ]

    OUTCOME_LABELS = {
        "eligible": "Eligible",
        "needs_review": "Needs review",
        "excluded": "Excluded",
        "incomplete": "Incomplete",
    }

    def __str__(self):
        return f"Decision {self.pk}: {self.outcome} ({self.policy_label})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ScreeningError("A screening decision is never changed: screen again.")
        super().save(*args, **kwargs)

    @property
    def outcome_label(self) -> str:
        return self.OUTCOME_LABELS.get(self.outcome, self.outcome)


class ReviewItem(models.Model):
    """A `needs_review` reason a prescriber clears, or not, with a written reason."""

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting review"
        CLEARED = "cleared", "Cleared"
        NOT_CLEARED = "not_cleared", "Not cleared"

    decision = models.ForeignKey(
        ScreeningDecision, on_delete=models.PROTECT, related_name="review_items"
    )
    code = models.CharField(max_length=32)
    message = models.TextField()
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, editable=False
    )
    reason = models.TextField(blank=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "code"], name="review_item_once"),
            models.CheckConstraint(
                condition=models.Q(status="pending")
                | (models.Q(reviewed_by__isnull=False) & ~models.Q(reason="")),
                name="review_item_reviewed_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.code}: {self.get_status_display()}"


# --- Policy reviews: an enrolled patient whom a newly published version would exclude ----------


class PolicyReview(models.Model):
    """A prescriber's documented review of an enrolled course that a newly published policy
    version would now exclude (the version's replay over the course's stored decision).

    Raised when the version is published, with the exclusion rules named; pending until a
    prescriber continues the course with a written reason or stops it. A pending review blocks
    the next dose (`selectors.policy_review_problem`). Documented reviews are final (here and,
    on PostgreSQL, by a trigger). The stored decision itself is never changed.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting a prescriber's review"
        CONTINUED = "continued", "Continued"
        STOPPED = "stopped", "Course stopped"

    course = models.ForeignKey(
        "patients.TreatmentCourse", on_delete=models.PROTECT, related_name="policy_reviews"
    )
    policy = models.ForeignKey(ScreeningPolicy, on_delete=models.PROTECT, related_name="reviews")
    decision = models.ForeignKey(
        ScreeningDecision, on_delete=models.PROTECT, related_name="policy_reviews"
    )
    rules = models.JSONField()  # [{code, severity, message}]: the exclusions the replay found
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, editable=False
    )
    reason = models.TextField(blank=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    alerts = models.ManyToManyField("patients.Alert", blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        triggers = [
            Refuse(
                name="screening_policyreview_immutable",
                message="a documented policy review is never changed",
                operation=Update,
                condition="OLD.status <> 'pending'",
            ),
            Refuse(
                name="screening_policyreview_not_deleted",
                message="a policy review is never deleted",
                operation=Delete,
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["course", "policy"], name="policy_review_once"),
            models.CheckConstraint(
                condition=models.Q(status="pending")
                | (
                    models.Q(reviewed_by__isnull=False, reviewed_at__isnull=False)
                    & ~models.Q(reason="")
                ),
                name="policy_review_documented_has_reason",
            ),
        ]

    def __str__(self):
        return f"Policy review {self.pk} ({self.get_status_display()})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            stored = PolicyReview.objects.filter(pk=self.pk).values_list("status", flat=True)
            if stored and stored[0] != self.Status.PENDING:
                raise ScreeningError("A documented policy review is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ScreeningError("A policy review is part of the record and is never deleted.")

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def codes(self) -> list[str]:
        return [rule["code"] for rule in self.rules]
