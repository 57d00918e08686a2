"""Writes for the esketamine REMS: the patient's enrollment, and the monitoring form saved as a
draft and submitted with the REMS's reference (then frozen as filed)."""

from dataclasses import asdict

from django.db import transaction
from django.utils import timezone

from accounts.roles import CLINICIANS
from audit.models import Action
from audit.services import record
from patients.access import Access, may
from sessions.errors import SessionsError
from sessions.models import Dose, RemsEnrollment, RemsMonitoringForm
from sessions.rems import rules, selectors


class FormIncomplete(SessionsError):
    """Every unanswered field at once, by field name, so the page can mark each."""

    def __init__(self, problems: dict[str, str]):
        field, message = next(iter(problems.items()))
        super().__init__(message, field=field)
        self.problems = problems


def _require_clinician(by, patient) -> None:
    if by.role not in CLINICIANS or not may(by, Access.CHANGE_RECORD, patient):
        raise SessionsError("Only a clinician on the care team may do this.")


@transaction.atomic
def rems_enroll(*, by, patient, rems_patient_id: str, enrolled_on) -> RemsEnrollment:
    _require_clinician(by, patient)
    rems_patient_id = (rems_patient_id or "").strip()
    if not rems_patient_id:
        raise SessionsError("Enter the REMS patient ID.", field="rems_patient_id")
    if enrolled_on > timezone.localdate():
        raise SessionsError("An enrollment is recorded once confirmed.", field="enrolled_on")
    if RemsEnrollment.objects.filter(patient=patient, ended_on__isnull=True).exists():
        raise SessionsError("The patient is already enrolled: end that enrollment first.")
    enrollment = RemsEnrollment.objects.create(
        patient=patient, rems_patient_id=rems_patient_id, enrolled_on=enrolled_on, recorded_by=by
    )
    record(user=by, action=Action.CREATE, patient_id=patient.pk, obj=enrollment)
    return enrollment


@transaction.atomic
def rems_enrollment_end(*, by, enrollment: RemsEnrollment, reason: str) -> RemsEnrollment:
    enrollment = RemsEnrollment.objects.select_for_update().get(pk=enrollment.pk)
    _require_clinician(by, enrollment.patient)
    if enrollment.ended_on is not None:
        raise SessionsError("This enrollment has ended already.")
    if not (reason or "").strip():
        raise SessionsError("Ending an enrollment needs a reason.", field="reason")
    enrollment.ended_on, enrollment.end_reason = timezone.localdate(), reason.strip()
    enrollment.save(update_fields=["ended_on", "end_reason"])
    record(user=by, action=Action.CHANGE, patient_id=enrollment.patient_id, obj=enrollment)
    return enrollment


def _locked_form(by, dose: Dose) -> tuple[Dose, RemsMonitoringForm | None]:
    dose = Dose.objects.select_for_update().select_related("course__patient").get(pk=dose.pk)
    _require_clinician(by, dose.course.patient)
    if dose.drug != Dose.Drug.ESKETAMINE or dose.status not in Dose.FINISHED:
        raise SessionsError("A REMS monitoring form follows a finished esketamine session.")
    form = RemsMonitoringForm.objects.select_for_update().filter(dose=dose).first()
    if form is not None and form.status == RemsMonitoringForm.Status.SUBMITTED:
        raise SessionsError("This form is submitted: it is final.")
    return dose, form


@transaction.atomic
def rems_form_save(*, by, dose: Dose, answers: dict) -> RemsMonitoringForm:
    """Keep the answers to the questions the chart cannot answer (a draft)."""
    dose, form = _locked_form(by, dose)
    form = form or RemsMonitoringForm(dose=dose)
    for name in selectors.missing_fields(selectors.form_dose(dose.pk)):
        if name in answers:
            setattr(form, name, answers[name])
    form.updated_by = by
    form.save()
    record(user=by, action=Action.CHANGE, patient_id=dose.course.patient_id, obj=form)
    return form


@transaction.atomic
def rems_form_submit(*, by, dose: Dose, answers: dict, reference: str) -> RemsMonitoringForm:
    """Save, check every field is there, and freeze the form as filed with the REMS reference."""
    form = rems_form_save(by=by, dose=dose, answers=answers)
    full = selectors.form_dose(dose.pk)
    effective = selectors.effective_answers(full, form)
    problems = rules.answers_problems(effective, total_minutes=full.monitoring_minutes)
    if problems:
        raise FormIncomplete(problems)
    if not (reference or "").strip():
        raise SessionsError("Enter the REMS confirmation reference.", field="reference")
    form.filed = {"sections": [asdict(section) for section in selectors.form_sections(full, form)]}
    form.status = RemsMonitoringForm.Status.SUBMITTED
    form.reference, form.submitted_by, form.submitted_at = reference.strip(), by, timezone.now()
    form.save()
    record(
        user=by,
        action=Action.CHANGE,
        patient_id=full.course.patient_id,
        obj=form,
        detail={"submitted": True},
    )
    return form
