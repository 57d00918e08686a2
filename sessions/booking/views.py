"""Booking pages: booking with proposed slots, appointment actions, a patient's appointments and
the treatment series. Thin: parse, call one service or selector, render."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import role_required, staff_required
from accounts.roles import CLINICIANS
from audit.models import Action
from audit.services import record
from patients.access import Access, may, patients_for
from patients.models import TreatmentCourse
from sessions.booking import selectors, services
from sessions.booking.access import BOOKERS, may_book
from sessions.booking.forms import (
    AppointmentForm,
    CancelForm,
    SlotQueryForm,
    earliest_from,
    slots_url,
)
from sessions.errors import SessionsError
from sessions.models import Appointment, AppointmentType

PROPOSALS = 6
PROPOSALS_PER_DAY = 2


# --- Finding what the user may see ----------------------------------------------------------------


def _patient_for(request, patient_pk):
    """The patient, if the user may see their demographics; otherwise 404 (existence hidden)."""
    patient = patients_for(request.user, Access.VIEW_DEMOGRAPHICS).filter(pk=patient_pk).first()
    if patient is None:
        record(user=request.user, action=Action.DENIED, patient_id=patient_pk)
        raise Http404("No such patient")
    return patient


def _appointment_for(request, appointment_pk) -> Appointment:
    appointment = get_object_or_404(
        Appointment.objects.select_related("patient", "type", "clinician", "room", "course"),
        pk=appointment_pk,
    )
    if not may(request.user, Access.VIEW_DEMOGRAPHICS, appointment.patient):
        record(
            user=request.user,
            action=Action.DENIED,
            patient_id=appointment.patient_id,
            obj=appointment,
        )
        raise Http404("No such appointment")
    return appointment


def _refuse(request, patient_id, obj=None):
    record(user=request.user, action=Action.DENIED, patient_id=patient_id, obj=obj)
    raise PermissionDenied


def _care_team(patient):
    return selectors.clinicians().filter(care_teams__patient=patient)


def _form_error(form, error: SessionsError):
    # A clash or an hours problem is about the whole booking: shown above the form.
    form.add_error(error.field if error.field in form.fields else None, error.message)


# --- Proposals ------------------------------------------------------------------------------------


def _proposal_context(patient, data, care_team, appointment=None) -> dict:
    """The proposed slots for what the form holds now (typed, posted or initial)."""
    query = SlotQueryForm(data, care_team=care_team)
    query.is_valid()  # lenient: a field that does not parse is treated as not chosen
    chosen = query.cleaned_data
    type_ = appointment.type if appointment else chosen.get("type")
    clinician = chosen.get("clinician")
    room = chosen.get("room")
    context = {"type": type_, "clinician": clinician, "room": room, "slots": []}
    if type_ is None or clinician is None:
        return context
    minutes = chosen.get("minutes") or (
        appointment.minutes if appointment else type_.default_minutes
    )
    # Never propose what the booking would refuse: no dosing slot shorter than its minimum.
    minutes = max(minutes, type_.min_minutes)
    context["minutes"] = minutes
    context["room_missing"] = room is None and type_.needs_room
    context["slots"] = selectors.proposals(
        patient=patient,
        clinician=clinician,
        room=room,
        minutes=minutes,
        earliest=earliest_from(chosen.get("day")),
        count=PROPOSALS,
        per_day=PROPOSALS_PER_DAY,
        exclude=appointment,
    )
    return context


@role_required(*BOOKERS)
@require_GET
def appointment_slots(request, patient_pk=None, appointment_pk=None):
    """The proposals partial, refreshed by htmx as the booking form changes."""
    appointment = None
    if appointment_pk is not None:
        appointment = _appointment_for(request, appointment_pk)
        patient = appointment.patient
    else:
        patient = _patient_for(request, patient_pk)
    if not may_book(request.user, patient):
        _refuse(request, patient.pk)
    record(
        user=request.user,
        action=Action.VIEW,
        patient_id=patient.pk,
        obj=appointment,
        detail={"proposals": True},
    )
    context = _proposal_context(patient, request.GET, _care_team(patient), appointment)
    return render(request, "sessions/booking/_slots.html", context)


# --- Booking and changing -------------------------------------------------------------------------


def _initial_booking(request, care_team) -> dict:
    initial = {"day": None}
    code = request.GET.get("type")
    if code in AppointmentType.Code.values:
        initial["type"] = code
    primary = care_team.filter(care_teams__primary=True).first() or care_team.first()
    if primary is not None:
        initial["clinician"] = primary.pk
    return initial


@role_required(*BOOKERS)
@require_http_methods(["GET", "POST"])
def appointment_book(request, patient_pk):
    patient = _patient_for(request, patient_pk)
    if not may_book(request.user, patient):
        _refuse(request, patient.pk)
    care_team = _care_team(patient)
    form = AppointmentForm(
        request.POST or None,
        care_team=care_team,
        types=selectors.bookable_types(request.user),
        slots_url=slots_url(patient),
        initial=_initial_booking(request, care_team),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appointment = services.appointment_book(
                by=request.user,
                patient=patient,
                type=data["type"],
                clinician=data["clinician"],
                start=data["start"],
                room=data["room"],
                minutes=data["minutes"],
                staff=data["staff"],
            )
        except SessionsError as error:
            _form_error(form, error)
        else:
            messages.success(request, f"Booked: {_summary(appointment)}.")
            return redirect("chart", patient_pk=patient.pk)
    else:
        record(user=request.user, action=Action.VIEW, patient_id=patient.pk, obj=patient)
    data = request.POST if form.is_bound else {**form.initial, **request.GET.dict()}
    return render(
        request,
        "sessions/booking/book.html",
        {
            "form": form,
            "patient": patient,
            "no_care_team": not care_team.exists(),
            **_proposal_context(patient, data, care_team),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _summary(appointment: Appointment) -> str:
    start = timezone.localtime(appointment.start)
    where = appointment.room or "telehealth"
    return (
        f"{appointment.type} on {start:%a %b} {start.day}, {start:%H:%M}–"
        f"{timezone.localtime(appointment.end):%H:%M} with {appointment.clinician}, {where}"
    )


def _changeable(request, appointment_pk) -> Appointment:
    appointment = _appointment_for(request, appointment_pk)
    if not may_book(request.user, appointment.patient, appointment.type.code):
        _refuse(request, appointment.patient_id, appointment)
    return appointment


@role_required(*BOOKERS)
@require_http_methods(["GET", "POST"])
def appointment_reschedule(request, appointment_pk):
    appointment = _changeable(request, appointment_pk)
    patient = appointment.patient
    care_team = _care_team(patient)
    start = timezone.localtime(appointment.start)
    form = AppointmentForm(
        request.POST or None,
        care_team=care_team,
        types=None,
        slots_url=slots_url(patient, appointment),
        appointment=appointment,
        initial={
            "clinician": appointment.clinician_id,
            "room": appointment.room_id,
            "staff": list(appointment.staff.values_list("pk", flat=True)),
            "day": start.date(),
            "time": start.time(),
            "minutes": appointment.minutes,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appointment = services.appointment_reschedule(
                by=request.user,
                appointment=appointment,
                start=data["start"],
                clinician=data["clinician"],
                room=data["room"],
                minutes=data["minutes"],
                staff=data["staff"],
            )
        except SessionsError as error:
            _form_error(form, error)
        else:
            messages.success(request, f"Rescheduled: {_summary(appointment)}.")
            return redirect("appointment", appointment_pk=appointment.pk)
    else:
        record(user=request.user, action=Action.VIEW, patient_id=patient.pk, obj=appointment)
    data = request.POST if form.is_bound else {**form.initial, "day": None}
    return render(
        request,
        "sessions/booking/reschedule.html",
        {
            "form": form,
            "patient": patient,
            "appointment": appointment,
            **_proposal_context(patient, data, care_team, appointment),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@staff_required
def appointment_detail(request, appointment_pk, cancel_form=None, status=200):
    appointment = _appointment_for(request, appointment_pk)
    selectors.mark_visibility(request.user, [appointment])
    record(
        user=request.user, action=Action.VIEW, patient_id=appointment.patient_id, obj=appointment
    )
    now = timezone.now()
    changeable = appointment.status == Appointment.Status.BOOKED and may_book(
        request.user, appointment.patient, appointment.type.code
    )
    return render(
        request,
        "sessions/booking/appointment.html",
        {
            "appointment": appointment,
            "staff": list(appointment.staff.all()),
            "may_reschedule": changeable and appointment.start > now,
            "may_cancel": changeable and appointment.end > now,
            "may_mark": changeable and appointment.start <= now,
            "may_complete": changeable
            and appointment.start <= now
            and request.user.role in CLINICIANS,
            "cancel_form": cancel_form or CancelForm(),
        },
        status=status,
    )


@role_required(*BOOKERS)
@require_POST
def appointment_cancel(request, appointment_pk):
    appointment = _changeable(request, appointment_pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.appointment_cancel(
                by=request.user, appointment=appointment, reason=form.cleaned_data["reason"]
            )
        except SessionsError as error:
            _form_error(form, error)
        else:
            messages.success(request, "Appointment cancelled.")
            return redirect("appointment", appointment_pk=appointment.pk)
    return appointment_detail(request, appointment_pk, cancel_form=form, status=400)


def _mark(request, appointment_pk, service, done: str):
    appointment = _changeable(request, appointment_pk)
    try:
        service(by=request.user, appointment=appointment)
    except SessionsError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("appointment", appointment_pk=appointment.pk)


@role_required(*BOOKERS)
@require_POST
def appointment_no_show(request, appointment_pk):
    return _mark(request, appointment_pk, services.appointment_mark_no_show, "Marked a no-show.")


@role_required(*CLINICIANS)
@require_POST
def appointment_complete(request, appointment_pk):
    return _mark(request, appointment_pk, services.appointment_complete, "Marked completed.")


@staff_required
def patient_appointments(request, patient_pk):
    """One patient's appointments: a section of the chart (htmx) or a page of its own."""
    patient = _patient_for(request, patient_pk)
    upcoming, past = selectors.for_patient(request.user, patient)
    record(
        user=request.user,
        action=Action.LIST,
        patient_id=patient.pk,
        detail={"appointments": len(upcoming) + len(past)},
    )
    partial = bool(request.headers.get("HX-Request"))
    return render(
        request,
        f"sessions/booking/{'_' if partial else ''}patient_appointments.html",
        {
            "patient": patient,
            "upcoming": upcoming,
            "past": past if not partial else past[:5],
            "more_past": partial and len(past) > 5,
            "may_book": may_book(request.user, patient),
            "bookable": list(selectors.bookable_types(request.user)),
            "course": patient.courses.first()
            if may(request.user, Access.VIEW_RECORD, patient)
            else None,
        },
    )


# --- The treatment series -------------------------------------------------------------------------


@staff_required
def course_series(request, patient_pk, course_pk):
    patient = _patient_for(request, patient_pk)
    course = get_object_or_404(TreatmentCourse, pk=course_pk, patient=patient)
    if not may(request.user, Access.VIEW_RECORD, patient):
        _refuse(request, patient.pk, course)
    record(user=request.user, action=Action.VIEW, patient_id=patient.pk, obj=course)
    return render(
        request,
        "sessions/booking/series.html",
        {"patient": patient, "series": selectors.series(course)},
    )
