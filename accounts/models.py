from django.contrib.auth.models import AbstractUser, Group, UserManager
from django.db import models
from django.utils import timezone

from accounts.roles import CLINICIANS, STAFF, Role


class ClinicUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in: staff of one role, or a patient using the portal."""

    role = models.CharField(max_length=16, choices=Role.choices)
    # The prescriber who receives urgent safety alerts when a candidate has no care team yet.
    on_call = models.BooleanField(
        default=False, help_text="Receives urgent alerts (prescribers only)."
    )

    objects = ClinicUserManager()

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="user_role_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(on_call=False) | models.Q(role=Role.PRESCRIBER),
                name="user_on_call_prescriber_only",
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def is_clinician(self) -> bool:
        return self.role in CLINICIANS

    @property
    def is_clinic_staff(self) -> bool:
        return self.role in STAFF

    def save(self, *args, **kwargs):
        # Only administrators reach the admin site.
        self.is_staff = self.role == Role.ADMIN or self.is_superuser
        super().save(*args, **kwargs)
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "role" in update_fields:
            # The role's group is the user's only group, whatever path saved the user.
            group, _ = Group.objects.get_or_create(name=self.role)
            self.groups.set([group])


class UserSession(models.Model):
    """One signed-in browser of a user, so they can see their sessions and end any of them.

    Django's session row holds the sign-in; this row says where it came from. It is written at
    sign-in and its `last_seen` refreshed at most once a minute (accounts.middleware).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="signed_in_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    device = models.CharField(max_length=200, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField()

    class Meta:
        ordering = ["-last_seen"]

    def __str__(self):
        return f"session of user {self.user_id} since {self.started_at:%Y-%m-%d %H:%M}"


class BreakGlassAccess(models.Model):
    """A clinician outside a patient's care team opening the chart in an emergency, with a reason.

    Read by the one access policy (`patients.access`) while `ends_at` is ahead. `patient_id` is a
    plain column, as in the audit log: accounts sits below `patients`.
    """

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="break_glass")
    patient_id = models.UUIDField(db_index=True)
    reason = models.TextField()
    started_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(reason=""), name="break_glass_reason_required"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("started_at")),
                name="break_glass_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"emergency access by user {self.user_id} until {self.ends_at:%Y-%m-%d %H:%M}"
