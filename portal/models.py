"""The patient portal's own data: invitations to it, and the journal.

- `PortalInvitation`: staff invite a patient by e-mail; the link carries a random token whose
  SHA-256 alone is stored. One open invitation per patient (a partial unique constraint): a new
  one revokes the old. Used once, expires.
- `JournalPrompt`: the clinic's curated library of prompts, in the five integration categories.
- `PromptAssignment`: a prompt given to the patient after one dose, from the dose's integration
  note or, when the note names none, from the library.
- `JournalEntry`: what the patient wrote, private or shared with the care team.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from patients.models import Patient
from portal import rules
from sessions.models import Dose

_USER = settings.AUTH_USER_MODEL


class PortalInvitation(models.Model):
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="portal_invitations"
    )
    email = models.EmailField()
    # The SHA-256 of the token in the link; the token itself is never stored.
    token_sha256 = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="portal_invitation_one_open_per_patient",
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(revoked_at__isnull=True),
                name="portal_invitation_accepted_or_revoked",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="portal_invitation_expires_after_creation",
            ),
        ]

    def __str__(self):
        return f"Portal invitation {self.pk}"

    @property
    def state(self) -> str:
        """open, used, revoked or expired, now (derived, never stored)."""
        return rules.invitation_state(
            accepted_at=self.accepted_at,
            revoked_at=self.revoked_at,
            expires_at=self.expires_at,
            now=timezone.now(),
        )


class Category(models.TextChoices):
    BODY = "body", "Body"
    EMOTIONS = "emotions", "Emotions"
    INSIGHTS = "insights", "Insights"
    RELATIONSHIPS = "relationships", "Relationships"
    INTENTIONS = "intentions", "Intentions"


class JournalPrompt(models.Model):
    category = models.CharField(max_length=16, choices=Category.choices)
    text = models.CharField(max_length=300, unique=True)
    active = models.BooleanField(default=True, help_text="Off: no longer given to patients.")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(category__in=Category.values), name="journal_prompt_category_valid"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="journal_prompt_has_text"),
        ]

    def __str__(self):
        return f"{self.get_category_display()}: {self.text}"


class PromptAssignment(models.Model):
    class Source(models.TextChoices):
        LIBRARY = "library", "From the clinic's library"
        NOTE = "note", "From the integration note"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    dose = models.ForeignKey(Dose, on_delete=models.PROTECT, related_name="+")
    prompt = models.ForeignKey(
        JournalPrompt, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField(max_length=16, choices=Category.choices, blank=True)
    text = models.CharField(max_length=300)
    source = models.CharField(max_length=8, choices=Source.choices)
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assigned_at", "id"]
        indexes = [models.Index(fields=["patient", "assigned_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["dose", "text"], name="prompt_assignment_once_per_dose"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="prompt_assignment_has_text"),
        ]

    def __str__(self):
        return f"Prompt assignment {self.pk}"


class JournalEntry(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    assignment = models.ForeignKey(
        PromptAssignment, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    text = models.TextField()
    shared = models.BooleanField(
        default=False, help_text="Shared with the care team; private entries only the patient sees."
    )
    shared_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["patient", "created_at"])]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="journal_entry_has_text"),
            models.CheckConstraint(
                condition=Q(shared=False) | Q(shared_at__isnull=False),
                name="journal_entry_shared_has_time",
            ),
        ]

    def __str__(self):
        return f"Journal entry {self.pk}"
