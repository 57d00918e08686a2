"""What every clinical page in `sessions` does first: find the patient or appointment the user
may see under `patients.access` (404 and a denied audit event otherwise), and show a refused rule
on the form that asked, so the user keeps what they typed."""

from django.shortcuts import get_object_or_404

from accounts.decorators import role_required
from accounts.roles import CLINICIANS
from patients.access import Access, require
from patients.models import Patient
from sessions.errors import SessionsError
from sessions.models import Appointment

clinicians_only = role_required(*CLINICIANS)


def patient_for(request, patient_pk, action=Access.VIEW_RECORD) -> Patient:
    patient = get_object_or_404(Patient, pk=patient_pk)
    require(request.user, action, patient)
    return patient


def appointment_for(request, appointment_pk, action=Access.VIEW_RECORD) -> Appointment:
    appointment = get_object_or_404(
        Appointment.objects.select_related("patient", "type", "clinician", "room", "course"),
        pk=appointment_pk,
    )
    require(request.user, action, appointment.patient, appointment)
    return appointment


def show_refusal(form, error: SessionsError) -> None:
    """Put the rule's sentence on its field, or above the form when it is about the whole."""
    form.add_error(error.field if error.field in form.fields else None, error.message)
