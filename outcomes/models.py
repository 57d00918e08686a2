"""The course summary for the referring clinician: free text a clinician writes and signs.
Signed, it is never changed or deleted: here (save and delete refuse), in the service, and on
PostgreSQL by a trigger (migration 0001)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from kap_clinic.triggers import never_changed
from outcomes.errors import OutcomesError
from patients.models import TreatmentCourse

SIGNED_MESSAGE = "A signed course summary is never changed."


class CourseSummary(models.Model):
    course = models.OneToOneField(
        TreatmentCourse, on_delete=models.PROTECT, related_name="outcome_summary"
    )
    text = models.TextField()
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    written_at = models.DateTimeField(auto_now=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    signed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name_plural = "course summaries"
        triggers = [
            never_changed(
                "course_summary_signed_immutable",
                "a signed course summary",
                condition="OLD.signed_at IS NOT NULL",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True, signed_by__isnull=True)
                | Q(signed_at__isnull=False, signed_by__isnull=False),
                name="course_summary_signed_by_and_at",
            )
        ]

    def __str__(self):
        return f"Course summary {self.pk}"

    def save(self, *args, **kwargs):
        if not self._state.adding and (
            CourseSummary.objects.filter(pk=self.pk, signed_at__isnull=False).exists()
        ):
            raise OutcomesError(SIGNED_MESSAGE)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.signed:
            raise OutcomesError(SIGNED_MESSAGE)
        return super().delete(*args, **kwargs)

    @property
    def signed(self) -> bool:
        return self.signed_at is not None
