from django.conf import settings
from django.db import models

from kap_clinic.triggers import Refuse


class Action(models.TextChoices):
    VIEW = "view", "Viewed"
    LIST = "list", "Listed"
    SEARCH = "search", "Searched"
    CREATE = "create", "Created"
    CHANGE = "change", "Changed"
    PRINT = "print", "Printed"
    EXPORT = "export", "Exported"
    DENIED = "denied", "Refused access"
    # Account security (accounts/): sign-ins, the second factor, sessions, emergency access.
    SIGN_IN = "sign_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    LOCKED_OUT = "locked_out", "Locked out"
    SIGN_OUT = "sign_out", "Signed out"
    TWO_FACTOR = "two_factor", "Two-step sign-in"
    SESSION_ENDED = "session_ended", "Session ended"
    BREAK_GLASS = "break_glass", "Emergency access"


def _append_only(name: str) -> Refuse:
    """On PostgreSQL no UPDATE or DELETE of an audit row, whatever path (TRUNCATE is left to the
    table owner: the test runner empties tables with it)."""
    return Refuse(
        name=name,
        message="audit rows are append-only: % on % refused",
        values=("TG_OP", "TG_TABLE_NAME"),
        errcode="insufficient_privilege",
    )


class AuditEvent(models.Model):
    """One read or write of patient data. Append-only: never updated, never deleted.

    `patient_id` is a plain column, not a foreign key: the audit app sits below `patients`, and an
    audit row must outlive whatever it describes.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(max_length=16, blank=True)
    patient_id = models.UUIDField(null=True)  # indexed with id, below
    action = models.CharField(max_length=16, choices=Action.choices)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True)
    # Never PHI: counts, field names, outcome codes.
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-id"]
        triggers = [_append_only("audit_event_append_only")]
        # One patient's events newest first: the audit page filtered to a patient and the
        # patient's own "who has seen my record", on a log of millions of rows.
        indexes = [models.Index(fields=["patient_id", "-id"], name="audit_event_patient_newest")]

    def __str__(self):
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id} by {self.user_id}"


class AuditSeal(models.Model):
    """A link in the hash chain over audit events, sealed in id order by a periodic task.

    Each seal hashes the previous seal's hash and the canonical text of its events, so an edit or
    deletion of a sealed event (by someone who got past the trigger) is detectable.
    """

    previous = models.OneToOneField(
        "self", null=True, on_delete=models.PROTECT, related_name="next_seal"
    )
    first_event_id = models.BigIntegerField()
    last_event_id = models.BigIntegerField()
    event_count = models.PositiveIntegerField()
    digest = models.CharField(max_length=64)
    sealed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        triggers = [_append_only("audit_seal_append_only")]
        constraints = [
            # Two sealers racing cannot both start the chain.
            models.UniqueConstraint(fields=["first_event_id"], name="audit_seal_unique_start"),
        ]

    def __str__(self):
        return f"seal {self.pk}: events {self.first_event_id}-{self.last_event_id}"
