"""Writes of the outcomes app: the course summary, drafted and then signed, never changed."""

from django.db import transaction
from django.utils import timezone

from accounts.roles import CLINICIANS
from audit.models import Action
from audit.services import record
from outcomes.errors import OutcomesError
from outcomes.models import SIGNED_MESSAGE, CourseSummary
from patients.access import Access, may
from patients.models import TreatmentCourse


def _locked(by, course_pk) -> tuple[TreatmentCourse, CourseSummary | None]:
    course = TreatmentCourse.objects.select_for_update().select_related("patient").get(pk=course_pk)
    if by.role not in CLINICIANS or not may(by, Access.CHANGE_RECORD, course.patient):
        raise OutcomesError("Only a clinician of the care team writes the course summary.")
    return course, CourseSummary.objects.filter(course=course).first()


@transaction.atomic
def summary_save(*, by, course_pk, text: str) -> CourseSummary:
    course, summary = _locked(by, course_pk)
    text = text.strip()
    if not text:
        raise OutcomesError("Write the summary first.", field="text")
    if summary and summary.signed:
        raise OutcomesError(SIGNED_MESSAGE, field="text")
    if summary is None:
        summary = CourseSummary(course=course)
    summary.text, summary.written_by = text, by
    summary.save()
    record(user=by, action=Action.CHANGE, patient_id=course.patient_id, obj=summary)
    return summary


@transaction.atomic
def summary_sign(*, by, course_pk) -> CourseSummary:
    course, summary = _locked(by, course_pk)
    if summary is None or not summary.text.strip():
        raise OutcomesError("Write and save the summary before signing it.", field="text")
    if summary.signed:
        raise OutcomesError(SIGNED_MESSAGE)
    CourseSummary.objects.filter(pk=summary.pk).update(signed_by=by, signed_at=timezone.now())
    summary.refresh_from_db()
    record(
        user=by,
        action=Action.CHANGE,
        patient_id=course.patient_id,
        obj=summary,
        detail={"signed": True},
    )
    return summary
