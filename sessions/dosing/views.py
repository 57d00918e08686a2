"""The dosing chart at the chair side: one page, one small form per action, every rule in
`sessions.dosing.services`. A refused action re-renders the page with the typed values and the
reason."""

from functools import partial

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.decorators import role_required, staff_required
from accounts.roles import CLINICIANS
from audit.models import Action
from audit.services import record
from kap_clinic.pdf import pdf_response, render_pdf
from patients.access import Access, require
from sessions.dosing import administration, monitoring
from sessions.dosing import services as doses
from sessions.dosing.forms import (
    AdministrationForm,
    AdverseEventForm,
    AmendmentForm,
    ChecklistForm,
    DischargeForm,
    EndEarlyForm,
    NotesForm,
    OrderForm,
    StartForm,
    StrikeForm,
    VitalsForm,
)
from sessions.dosing.selectors import chart, dose_page_data
from sessions.errors import SessionsError
from sessions.models import Appointment, Dose, VitalSigns
from sessions.models.doses import SCHEDULE_III_LINES

# action → (form, service); the service takes by=, dose= and the form's cleaned data.
ACTIONS = {
    "check": (ChecklistForm, doses.checklist_check),
    "order": (OrderForm, doses.dose_order),
    "vitals": (VitalsForm, monitoring.vitals_record),
    "start": (StartForm, doses.dose_start),
    "administration": (AdministrationForm, administration.administration_record),
    "amend": (AmendmentForm, administration.administration_amend),
    "event": (AdverseEventForm, monitoring.adverse_event_record),
    "notes": (NotesForm, doses.dose_update_notes),
    "discharge": (DischargeForm, doses.dose_discharge),
    "end": (EndEarlyForm, doses.dose_end_early),
    # An amendment: the wrong row is struck with a reason, never edited.
    "strike_vitals": (StrikeForm, partial(monitoring.entry_strike, entry="vitals")),
    "strike_check": (StrikeForm, partial(monitoring.entry_strike, entry="check")),
}


@staff_required
def dose_page(request, dose_pk, bound=None, error=None, status=200):
    dose = get_object_or_404(Dose.objects.select_related("course__patient"), pk=dose_pk)
    require(request.user, Access.VIEW_RECORD, dose.course.patient, dose)
    dose = dose_page_data(dose_pk)
    record(user=request.user, action=Action.VIEW, patient_id=dose.course.patient_id, obj=dose)
    forms = {name: form_class(prefix=name) for name, (form_class, _) in ACTIONS.items()}
    forms["vitals"] = VitalsForm(
        prefix="vitals",
        initial={
            "moment": VitalSigns.Moment.PRE_DOSE
            if dose.status == Dose.Status.BOOKED
            else VitalSigns.Moment.DURING
        },
    )
    if dose.dose_mg is not None:
        forms["order"] = OrderForm(
            prefix="order",
            initial={
                "drug": dose.drug,
                "route": dose.route,
                "weight_kg": dose.weight_kg,
                "dose_mg": dose.dose_mg,
                "order_text": dose.order_text,
            },
        )
    forms["notes"] = NotesForm(
        prefix="notes",
        initial={"dissociation": dose.dissociation, "setting_notes": dose.setting_notes},
    )
    if dose.is_finished:
        # A correction starts from the record in force: the latest amendment, or the original.
        current = (list(dose.amendments.all()) or [dose])[-1]
        forms["amend"] = AmendmentForm(
            prefix="amend",
            initial={name: getattr(current, name) for name in SCHEDULE_III_LINES},
        )
    if bound is not None:
        forms[bound.prefix] = bound
    context = chart(dose)
    context.update(
        forms=forms,
        error=error,
        bound=bound.prefix if bound is not None else "",
        may_chart=request.user.role in CLINICIANS,
    )
    if dose.status == Dose.Status.BOOKED:
        context.update(
            start_problems=doses.start_problems(dose, request.user),
            # The prescriber's reasons are asked only when the guard would ask for them.
            start_reasons=doses.start_reasons(dose),
        )
    return render(request, "sessions/dosing/dose.html", context, status=status)


@role_required(*CLINICIANS)
@require_POST
def dose_open(request, appointment_pk):
    appointment = get_object_or_404(
        Appointment.objects.select_related("patient"), pk=appointment_pk
    )
    require(request.user, Access.CHANGE_RECORD, appointment.patient, appointment)
    try:
        dose = doses.dose_prepare(by=request.user, appointment=appointment)
    except SessionsError as error:
        messages.error(request, error.message)
        return redirect("appointment", appointment_pk=appointment.pk)
    return redirect("dose", dose_pk=dose.pk)


@role_required(*CLINICIANS)
@require_POST
def dose_action(request, dose_pk, action):
    if action not in ACTIONS:
        return redirect("dose", dose_pk=dose_pk)
    dose = get_object_or_404(Dose.objects.select_related("course__patient"), pk=dose_pk)
    require(request.user, Access.CHANGE_RECORD, dose.course.patient, dose)
    form_class, service = ACTIONS[action]
    form = form_class(request.POST, prefix=action)
    if form.is_valid():
        try:
            service(by=request.user, dose=dose, **form.cleaned_data)
        except SessionsError as error:
            if error.field in form.fields:
                form.add_error(error.field, error.message)
                return dose_page(request, dose_pk, bound=form, status=400)
            return dose_page(request, dose_pk, bound=form, error=error.message, status=400)
        return redirect(reverse("dose", args=[dose.pk]) + f"#{action}")
    return dose_page(request, dose_pk, bound=form, status=400)


@staff_required
def dose_record_pdf(request, dose_pk):
    dose = get_object_or_404(Dose.objects.select_related("course__patient"), pk=dose_pk)
    require(request.user, Access.VIEW_RECORD, dose.course.patient, dose)
    record(user=request.user, action=Action.PRINT, patient_id=dose.course.patient_id, obj=dose)
    context = chart(dose_page_data(dose_pk))
    context["printed_at"] = timezone.now()
    return pdf_response(
        render_pdf("sessions/dosing/record_pdf.html", context),
        filename=f"session-record-{dose.pk}.pdf",
    )
