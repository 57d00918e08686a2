"""Preparation pages: the record of a preparation appointment and the escort.
Thin: parse, call one service, render."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from audit.models import Action
from audit.services import record
from patients.access import Access
from sessions.errors import SessionsError
from sessions.models import (
    AppointmentType,
    PreparationRecord,
)
from sessions.pages import appointment_for, clinicians_only, show_refusal
from sessions.preparation import services as preparation
from sessions.preparation.forms import EscortForm, PreparationForm

# --- Preparation ----------------------------------------------------------------------------------


def _preparation_page(request, appointment, *, form=None, escort_form=None, status=200):
    found = PreparationRecord.objects.select_related("completed_by").filter(appointment=appointment)
    found = found.first()
    if form is None and (found is None or not found.is_completed):
        form = PreparationForm(instance=found)
    if escort_form is None and found is not None and found.is_completed:
        escort_form = EscortForm(instance=found)
    return render(
        request,
        "sessions/preparation/record.html",
        {
            "appointment": appointment,
            "patient": appointment.patient,
            "record": found,
            "form": form,
            "escort_form": escort_form,
        },
        status=status,
    )


@clinicians_only
@require_http_methods(["GET", "POST"])
def preparation_record(request, appointment_pk):
    action = Access.CHANGE_RECORD if request.method == "POST" else Access.VIEW_RECORD
    appointment = appointment_for(request, appointment_pk, action)
    if appointment.type.code != AppointmentType.Code.PREPARATION:
        raise Http404("Not a preparation appointment")
    if request.method == "GET":
        found = PreparationRecord.objects.filter(appointment=appointment).first()
        record(
            user=request.user,
            action=Action.VIEW,
            patient_id=appointment.patient_id,
            obj=found or appointment,
        )
        return _preparation_page(request, appointment)
    existing = PreparationRecord.objects.filter(appointment=appointment).first()
    form = PreparationForm(request.POST, instance=existing)
    if form.is_valid():
        fields = {name: form.cleaned_data[name] for name in PreparationForm.Meta.fields}
        try:
            saved = preparation.preparation_save(by=request.user, appointment=appointment, **fields)
            if "complete" in request.POST:
                preparation.preparation_complete(by=request.user, record=saved)
        except SessionsError as error:
            show_refusal(form, error)
        else:
            messages.success(
                request,
                "Preparation session completed." if "complete" in request.POST else "Draft saved.",
            )
            return redirect("preparation_record", appointment_pk=appointment.pk)
    return _preparation_page(request, appointment, form=form, status=400)


@clinicians_only
@require_POST
def preparation_escort(request, appointment_pk):
    appointment = appointment_for(request, appointment_pk, Access.CHANGE_RECORD)
    found = get_object_or_404(PreparationRecord, appointment=appointment)
    form = EscortForm(request.POST, instance=found)
    if form.is_valid():
        try:
            preparation.preparation_escort_update(
                by=request.user, record=found, **form.cleaned_data
            )
        except SessionsError as error:
            show_refusal(form, error)
        else:
            messages.success(request, "Escort saved.")
            return redirect("preparation_record", appointment_pk=appointment.pk)
    found.refresh_from_db()
    return _preparation_page(request, appointment, escort_form=form, status=400)
