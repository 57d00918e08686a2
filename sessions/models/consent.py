"""Informed consent: versioned documents, the patient's signatures and withdrawals.

A consent version is edited as a draft and published by an administrator; a published version's
text is final (here and, on PostgreSQL, by a trigger), so a new text is a new version. The current
version is the published one with the highest number; a signature of an older version no longer
counts. Signatures and withdrawals are never changed or deleted. Writes go through
`sessions.consent.services`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from pgtrigger import AnyChange

from kap_clinic.triggers import final_once, never_changed
from patients.models import Patient
from sessions.errors import SessionsError


class ConsentVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    version = models.PositiveIntegerField(
        unique=True,
        help_text="Numbered in order; the published version with the highest number is current.",
        error_messages={"unique": "A consent version with this number already exists."},
    )
    title = models.CharField(
        max_length=200, default="Informed consent for ketamine-assisted psychotherapy"
    )
    text = models.TextField(help_text="The exact text the patient reads and signs.")
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    # The SHA-256 of `text` (UTF-8), set when the version is published.
    text_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    notes = models.TextField(blank=True, help_text="What changed and why (not shown to patients).")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["-version"]
        triggers = final_once(
            "consent_version_published",
            when="OLD.status = 'published'",
            changed=AnyChange("version", "title", "text", "status", "text_sha256"),
            message="consent version % is published: its text is final",
            deleted="consent version % is published: it cannot be deleted",
            values=("OLD.version",),
        )
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | (Q(published_at__isnull=False) & ~Q(text_sha256="")),
                name="consent_version_published_complete",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="consent_version_positive"),
        ]

    def __str__(self):
        return f"Consent version {self.version} ({self.get_status_display().lower()})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            final = ("version", "title", "text", "status", "text_sha256")
            stored = ConsentVersion.objects.filter(pk=self.pk).values(*final).first()
            if (
                stored
                and stored["status"] == self.Status.PUBLISHED
                and tuple(stored[n] for n in final) != tuple(getattr(self, n) for n in final)
            ):
                raise SessionsError(_published_message(stored["version"]))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_published:
            raise SessionsError(_published_message(self.version))
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


def _published_message(version) -> str:
    return (
        f"Consent version {version} is published and can no longer be changed: "
        "write a new version instead."
    )


class ConsentSignature(models.Model):
    """A patient's signature of one consent version, on the clinic's tablet. Never changed.

    `text_sha256` is the SHA-256 of the exact text shown and signed; the archived PDF is stored
    with its own SHA-256.
    """

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="consent_signatures"
    )
    version = models.ForeignKey(ConsentVersion, on_delete=models.PROTECT, related_name="signatures")
    typed_name = models.CharField(max_length=200)
    signed_at = models.DateTimeField()
    ip = models.GenericIPAddressField(null=True, blank=True)
    text_sha256 = models.CharField(max_length=64)
    # The staff member who handed over the tablet (the portal will sign without one).
    witnessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pdf = models.BinaryField(editable=False)
    pdf_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["-signed_at", "-id"]
        indexes = [models.Index(fields=["patient", "signed_at"])]
        triggers = [never_changed("consent_signature_immutable", "a consent signature")]

    def __str__(self):
        return f"Consent signature {self.pk} (version {self.version_id})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise SessionsError("A consent signature is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise SessionsError("A consent signature is never deleted.")


class ConsentWithdrawal(models.Model):
    """The patient withdrew consent: no further doses until they sign again. Never changed."""

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="consent_withdrawals"
    )
    withdrawn_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()

    class Meta:
        ordering = ["-withdrawn_at", "-id"]
        triggers = [never_changed("consent_withdrawal_immutable", "a consent withdrawal")]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="consent_withdrawal_has_reason"),
        ]

    def __str__(self):
        return f"Consent withdrawal {self.pk}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise SessionsError("A consent withdrawal is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise SessionsError("A consent withdrawal is never deleted.")
