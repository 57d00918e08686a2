from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

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
