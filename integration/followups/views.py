"""Follow-up pages: a follow-up with its window, appointment, the work queue's free slots, moving
and rebooking, its integration note; and the treatment series with closing the initial series.
Thin: parse, call one service, render; a refused rule re-renders the page with what was typed
(400)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.decorators import staff_required
from audit.models import Action
from audit.services import record
from integration.errors import IntegrationError
from integration.followups import notes, selectors, services
from integration.followups.forms import (
    AddendumForm,
    CloseSeriesForm,
    MoveForm,
    NoteForm,
    SlotForm,
)
from integration.models import FollowUp
from patients import phases
from patients.access import Access, may, require
from patients.models import TreatmentCourse
from sessions.booking import selectors as booking
from sessions.models import Dose
from sessions.pages import clinicians_only, show_refusal
from sessions.questionnaires import services as questionnaires


def _followup_for(request, pk, action=Access.VIEW_RECORD) -> FollowUp:
    followup = get_object_or_404(FollowUp.objects.select_related("patient"), pk=pk)
    require(request.user, action, followup.patient, followup)
    return followup


def _care_team(followup):
    return booking.clinicians().filter(care_teams__patient_id=followup.patient_id)


def _latest_questionnaires(followup) -> list[dict]:
    latest = questionnaires.latest_by_code(followup.patient)
    return [
        {
            "title": questionnaires.SHORT_NAMES[code],
            "latest": latest.get(code),
            "due": latest.get(code) is None or latest[code].completed_at < followup.dose_at,
        }
        for code in ("phq9", "gad7")
    ]


def _page(request, pk, *, forms=None, status=200):
    forms = forms or {}
    followup = selectors.followup_page(pk)
    note = selectors.note_for(followup)
    minutes = selectors.integration_type().default_minutes
    changeable = followup.status not in (FollowUp.Status.HELD, FollowUp.Status.INTEGRATED)
    start = timezone.localtime(followup.appointment.start) if followup.appointment else None
    care_team = _care_team(followup)
    context = {
        "followup": followup,
        "patient": followup.patient,
        "window": services.window_text(followup),
        "dose_status": Dose.Status(followup.dose.status).label,
        "note": note,
        "prompts": notes.journal_prompts(note) if note else [],
        "questionnaires": _latest_questionnaires(followup),
        "changeable": changeable,
        "queue": selectors.queue_slots(followup, now=timezone.now(), minutes=minutes)
        if changeable
        else [],
        "move_form": forms.get("move")
        or MoveForm(
            care_team=care_team,
            initial={
                "clinician": followup.appointment.clinician_id
                if followup.appointment
                else followup.therapist_id,
                "room": followup.appointment.room_id if followup.appointment else None,
                "day": start.date() if start else followup.first_day,
                "time": start.time().replace(second=0, microsecond=0) if start else None,
            },
        ),
        "slot_error": forms.get("slot_error"),
        "note_form": None
        if note and note.is_signed
        else forms.get("note") or NoteForm(instance=note),
        "addendum_form": forms.get("addendum") or AddendumForm(),
        "may_write_note": followup.appointment_id is not None
        and (note is None or note.author_id == request.user.pk),
    }
    return render(request, "integration/followups/followup.html", context, status=status)


@clinicians_only
def followup_detail(request, pk):
    followup = _followup_for(request, pk)
    record(user=request.user, action=Action.VIEW, patient_id=followup.patient_id, obj=followup)
    return _page(request, pk)


def _book(request, pk, form_class, reason: bool):
    followup = _followup_for(request, pk, Access.CHANGE_RECORD)
    form = form_class(request.POST, care_team=_care_team(followup))
    error = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.followup_book_slot(
                by=request.user,
                followup=followup,
                start=data["start"],
                clinician=data["clinician"],
                room=data["room"],
                reason=data["reason"] if reason else "",
            )
        except IntegrationError as refused:
            show_refusal(form, refused)
            error = refused.message
        else:
            messages.success(request, "Follow-up booked.")
            return redirect("followup", pk=pk)
    if reason:
        return _page(request, pk, forms={"move": form}, status=400)
    return _page(
        request, pk, forms={"slot_error": error or "Choose one of the times shown."}, status=400
    )


@clinicians_only
@require_POST
def followup_book(request, pk):
    """One click in the work queue: book a proposed free slot."""
    return _book(request, pk, SlotForm, reason=False)


@clinicians_only
@require_POST
def followup_move(request, pk):
    """Move or rebook at a typed time; outside the window with a reason."""
    return _book(request, pk, MoveForm, reason=True)


@clinicians_only
@require_POST
def note_save(request, pk):
    """Save the draft, or sign it (the "sign" button)."""
    followup = _followup_for(request, pk, Access.CHANGE_RECORD)
    note = selectors.note_for(followup)
    form = NoteForm(request.POST, instance=note)
    if form.is_valid():
        fields = {name: form.cleaned_data[name] for name in notes.FIELDS}
        signing = "sign" in request.POST
        write = notes.note_sign if signing else notes.note_save
        try:
            write(by=request.user, followup=followup, **fields)
        except IntegrationError as error:
            show_refusal(form, error)
        else:
            messages.success(
                request,
                "Integration note signed: the dose is integrated." if signing else "Draft saved.",
            )
            return redirect("followup", pk=pk)
    return _page(request, pk, forms={"note": form}, status=400)


@clinicians_only
@require_POST
def note_addendum(request, pk):
    followup = _followup_for(request, pk, Access.CHANGE_RECORD)
    note = selectors.note_for(followup)
    form = AddendumForm(request.POST)
    if note is not None and form.is_valid():
        try:
            notes.addendum_add(by=request.user, note=note, text=form.cleaned_data["text"])
        except IntegrationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, "Addendum added.")
            return redirect("followup", pk=pk)
    return _page(request, pk, forms={"addendum": form}, status=400)


# --- The treatment series -------------------------------------------------------------------------


def _course_for(request, patient_pk, course_pk) -> TreatmentCourse:
    # Front desk may know the patient, never the series: 404 for those who may not see the
    # patient at all, 403 for those who see only demographics.
    course = get_object_or_404(
        TreatmentCourse.objects.select_related("patient"), pk=course_pk, patient_id=patient_pk
    )
    require(request.user, Access.VIEW_DEMOGRAPHICS, course.patient, course)
    if not may(request.user, Access.VIEW_RECORD, course.patient):
        record(user=request.user, action=Action.DENIED, patient_id=patient_pk, obj=course)
        raise PermissionDenied
    return course


def _series_page(request, course, form=None, status=200):
    may_close = (
        course.phase == phases.TREATMENT
        and request.user.is_clinician
        and may(request.user, Access.CHANGE_RECORD, course.patient)
    )
    return render(
        request,
        "integration/followups/series.html",
        {
            "patient": course.patient,
            "series": selectors.series(course),
            "close_form": (form or CloseSeriesForm()) if may_close else None,
        },
        status=status,
    )


@staff_required
def course_series(request, patient_pk, course_pk):
    course = _course_for(request, patient_pk, course_pk)
    record(user=request.user, action=Action.VIEW, patient_id=course.patient_id, obj=course)
    return _series_page(request, course)


@clinicians_only
@require_POST
def course_close_series(request, patient_pk, course_pk):
    course = _course_for(request, patient_pk, course_pk)
    form = CloseSeriesForm(request.POST)
    if form.is_valid():
        try:
            services.course_close_series(
                by=request.user, course=course, reason=form.cleaned_data["reason"]
            )
        except IntegrationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, "Initial series closed: the course is in maintenance.")
            return redirect("course_series", patient_pk=patient_pk, course_pk=course_pk)
    return _series_page(request, course, form=form, status=400)
