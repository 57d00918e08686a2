from django.contrib.auth.models import AbstractUser, Group, UserManager
from django.db import models

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
