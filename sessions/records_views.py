"""Consent, preparation, in-clinic questionnaire and notes pages. Thin: parse, call one service
or selector, render. Every page checks `patients.access` (404 and a denied audit event when the
user may not) and records what it showed."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import role_required
from accounts.roles import CLINICIANS
from audit.context import request_ip
from audit.models import Action
from audit.services import record
from kap_clinic.pdf import pdf_response
from patients.access import Access, require
from patients.models import Patient
from screening.forms import InstrumentForm
from sessions import consent, notes, preparation, questionnaires
from sessions.errors import SessionsError
from sessions.models import (
    Appointment,
    AppointmentType,
    ConsentSignature,
    ConsentWithdrawal,
    PreparationRecord,
    PsychotherapyNote,
)
from sessions.records_forms import (
    AddendumForm,
    ConsentSignForm,
    EscortForm,
    NewNoteForm,
    NoteForm,
    PreparationForm,
    WithdrawForm,
)

clinicians_only = role_required(*CLINICIANS)


def _patient(request, patient_pk, action=Access.VIEW_RECORD) -> Patient:
    patient = get_object_or_404(Patient, pk=patient_pk)
    require(request.user, action, patient)
    return patient


def _appointment(request, appointment_pk, action=Access.VIEW_RECORD) -> Appointment:
    appointment = get_object_or_404(
        Appointment.objects.select_related("patient", "type", "clinician", "course"),
        pk=appointment_pk,
    )
    require(request.user, action, appointment.patient, appointment)
    return appointment


def _error(form, error: SessionsError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


# --- Consent --------------------------------------------------------------------------------------


def _consent_page(request, patient, *, withdraw_form=None, status=200):
    state = consent.consent_state(patient)
    signatures = list(
        ConsentSignature.objects.filter(patient=patient)
        .select_related("version", "witnessed_by")
        .defer("pdf")
    )
    withdrawals = list(
        ConsentWithdrawal.objects.filter(patient=patient).select_related("recorded_by")
    )
    record(user=request.user, action=Action.VIEW, patient_id=patient.pk, obj=state.signature)
    return render(
        request,
        "sessions/consent/consent.html",
        {
            "patient": patient,
            "state": state,
            "signatures": signatures,
            "withdrawals": withdrawals,
            "withdraw_form": withdraw_form or WithdrawForm(),
        },
        status=status,
    )


@clinicians_only
def consent_overview(request, patient_pk):
    return _consent_page(request, _patient(request, patient_pk))


@clinicians_only
@require_http_methods(["GET", "POST"])
def consent_sign(request, patient_pk):
    """The page handed to the patient on the tablet: the exact text, their name, a tick, sign."""
    patient = _patient(request, patient_pk, Access.CHANGE_RECORD)
    version = consent.current_version()
    if version is None:
        messages.error(request, "No consent version is published yet.")
        return redirect("consent", patient_pk=patient.pk)
    form = ConsentSignForm(
        request.POST or None, initial={"version": version.pk, "shown_sha256": version.text_sha256}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            shown = get_object_or_404(type(version), pk=data["version"])
            try:
                signature = consent.consent_sign(
                    by=request.user,
                    patient=patient,
                    version=shown,
                    typed_name=data["typed_name"],
                    shown_sha256=data["shown_sha256"],
                    understood=data["understood"],
                    ip=request_ip(request),
                )
            except SessionsError as error:
                _error(form, error)
            else:
                return redirect("consent_signed", signature_pk=signature.pk)
        status = 400
    else:
        record(user=request.user, action=Action.VIEW, patient_id=patient.pk, obj=version)
    return render(
        request,
        "sessions/consent/sign.html",
        {"patient": patient, "version": version, "form": form},
        status=status,
    )


def _signature(request, signature_pk) -> ConsentSignature:
    signature = get_object_or_404(
        ConsentSignature.objects.select_related("patient", "version").defer("pdf"),
        pk=signature_pk,
    )
    require(request.user, Access.VIEW_RECORD, signature.patient, signature)
    return signature


@clinicians_only
def consent_signed(request, signature_pk):
    signature = _signature(request, signature_pk)
    record(user=request.user, action=Action.VIEW, patient_id=signature.patient_id, obj=signature)
    return render(
        request,
        "sessions/consent/signed.html",
        {"signature": signature, "patient": signature.patient},
    )


@clinicians_only
def consent_pdf(request, signature_pk):
    signature = _signature(request, signature_pk)
    data = consent.signature_pdf(signature)
    record(user=request.user, action=Action.PRINT, patient_id=signature.patient_id, obj=signature)
    return pdf_response(data, filename=f"consent-{signature.pk}.pdf")


@clinicians_only
@require_POST
def consent_withdraw(request, patient_pk):
    patient = _patient(request, patient_pk, Access.CHANGE_RECORD)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            consent.consent_withdraw(
                by=request.user, patient=patient, reason=form.cleaned_data["reason"]
            )
        except SessionsError as error:
            _error(form, error)
        else:
            messages.warning(request, "Consent withdrawn: no further doses until a new signature.")
            return redirect("consent", patient_pk=patient.pk)
    return _consent_page(request, patient, withdraw_form=form, status=400)


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
    appointment = _appointment(request, appointment_pk, action)
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
            _error(form, error)
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
    appointment = _appointment(request, appointment_pk, Access.CHANGE_RECORD)
    found = get_object_or_404(PreparationRecord, appointment=appointment)
    form = EscortForm(request.POST, instance=found)
    if form.is_valid():
        try:
            preparation.preparation_escort_update(
                by=request.user, record=found, **form.cleaned_data
            )
        except SessionsError as error:
            _error(form, error)
        else:
            messages.success(request, "Escort saved.")
            return redirect("preparation_record", appointment_pk=appointment.pk)
    found.refresh_from_db()
    return _preparation_page(request, appointment, escort_form=form, status=400)


# --- In-clinic questionnaires ---------------------------------------------------------------------


@clinicians_only
def questionnaire_list(request, patient_pk):
    patient = _patient(request, patient_pk)
    taken = list(questionnaires.history(patient))
    for administration in taken:
        administration.short_name = questionnaires.SHORT_NAMES[administration.instrument]
    record(
        user=request.user,
        action=Action.LIST,
        patient_id=patient.pk,
        detail={"questionnaires": len(taken)},
    )
    latest_cssrs = next((a for a in taken if a.instrument == "cssrs"), None)
    return render(
        request,
        "sessions/questionnaires/list.html",
        {
            "patient": patient,
            "taken": taken,
            "codes": [
                (code, questionnaires.title(code)) for code in questionnaires.IN_CLINIC_CODES
            ],
            "enrolled": questionnaires.enrolled_course(patient) is not None,
            "crisis": bool(latest_cssrs and latest_cssrs.score.get("risk") == "high"),
            "crisis_protocol": questionnaires.CRISIS_PROTOCOL,
        },
    )


@clinicians_only
@require_http_methods(["GET", "POST"])
def questionnaire_give(request, patient_pk, code):
    action = Access.CHANGE_RECORD if request.method == "POST" else Access.VIEW_RECORD
    patient = _patient(request, patient_pk, action)
    if code not in questionnaires.IN_CLINIC_CODES:
        raise Http404("No such questionnaire")
    current = questionnaires.in_progress(patient, code)
    form = InstrumentForm(
        request.POST or None,
        code=code,
        initial=InstrumentForm.initial_from(code, current.answers if current else None),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            complete = "complete" in request.POST
            try:
                _, flags = questionnaires.questionnaire_save(
                    by=request.user,
                    patient=patient,
                    code=code,
                    answers=form.answers(),
                    complete=complete,
                )
            except SessionsError as error:
                form.add_engine_error(error.field, error.message)
            else:
                if any(flag.level == "crisis" for flag in flags):
                    protocol = questionnaires.CRISIS_PROTOCOL
                    messages.error(request, f"High risk: follow the crisis protocol. {protocol}")
                elif flags:
                    messages.warning(request, "Safety alert raised for the care team.")
                else:
                    messages.success(
                        request, "Questionnaire completed." if complete else "Progress saved."
                    )
                return redirect("questionnaires", patient_pk=patient.pk)
        status = 400
    else:
        record(
            user=request.user,
            action=Action.VIEW,
            patient_id=patient.pk,
            obj=current,
            detail={"instrument": code},
        )
    return render(
        request,
        "sessions/questionnaires/give.html",
        {"patient": patient, "form": form},
        status=status,
    )


# --- Notes ----------------------------------------------------------------------------------------


def _notes_page(request, appointment, *, forms=None, status=200):
    forms = forms or {}
    progress = list(notes.progress_notes_for(appointment))
    private = list(notes.psychotherapy_notes_for(appointment, request.user))
    entries = []
    for note in [*progress, *private]:
        kind = notes.kind_of(note)
        key = f"{kind}-{note.pk}"
        entries.append(
            {
                "note": note,
                "kind": kind,
                "label": notes.KIND_LABELS[kind],
                "mine": note.author_id == request.user.pk,
                "edit_form": forms.get(f"edit-{key}")
                or (
                    NoteForm(initial={"text": note.text}, prefix=key)
                    if not note.is_signed
                    else None
                ),
                "addendum_form": forms.get(f"addendum-{key}") or AddendumForm(prefix=key),
            }
        )
    return render(
        request,
        "sessions/notes/notes.html",
        {
            "appointment": appointment,
            "patient": appointment.patient,
            "entries": entries,
            "new_form": forms.get("new") or NewNoteForm(),
        },
        status=status,
    )


@clinicians_only
def appointment_notes(request, appointment_pk):
    appointment = _appointment(request, appointment_pk)
    record(
        user=request.user,
        action=Action.VIEW,
        patient_id=appointment.patient_id,
        obj=appointment,
        detail={"notes": True},
    )
    return _notes_page(request, appointment)


@clinicians_only
@require_POST
def note_new(request, appointment_pk):
    appointment = _appointment(request, appointment_pk, Access.CHANGE_RECORD)
    form = NewNoteForm(request.POST)
    if form.is_valid():
        try:
            notes.note_create(
                by=request.user,
                appointment=appointment,
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
            )
        except SessionsError as error:
            _error(form, error)
        else:
            messages.success(request, "Draft saved.")
            return redirect("appointment_notes", appointment_pk=appointment.pk)
    return _notes_page(request, appointment, forms={"new": form}, status=400)


def _note(request, kind, note_pk):
    model = notes.KINDS.get(kind)
    if model is None:
        raise Http404("No such note")
    note = get_object_or_404(
        model.objects.select_related("patient", "appointment__type"), pk=note_pk
    )
    require(request.user, Access.VIEW_RECORD, note.patient, note)
    if model is PsychotherapyNote and note.author_id != request.user.pk:
        # Kept apart from the chart: only the author ever reads it.
        record(user=request.user, action=Action.DENIED, patient_id=note.patient_id, obj=note)
        raise Http404("No such note")
    return note


@clinicians_only
@require_POST
def note_edit(request, kind, note_pk):
    note = _note(request, kind, note_pk)
    key = f"{kind}-{note.pk}"
    form = NoteForm(request.POST, prefix=key)
    if form.is_valid():
        try:
            notes.note_update(by=request.user, note=note, text=form.cleaned_data["text"])
        except SessionsError as error:
            _error(form, error)
        else:
            messages.success(request, "Draft saved.")
            return redirect("appointment_notes", appointment_pk=note.appointment_id)
    return _notes_page(request, note.appointment, forms={f"edit-{key}": form}, status=400)


@clinicians_only
@require_POST
def note_sign(request, kind, note_pk):
    note = _note(request, kind, note_pk)
    key = f"{kind}-{note.pk}"
    form = NoteForm(request.POST, prefix=key)
    # The text on screen is what gets signed; without one, the saved draft is.
    text = form.cleaned_data["text"] if form.is_valid() else None
    try:
        notes.note_sign(by=request.user, note=note, text=text)
    except SessionsError as error:
        messages.error(request, error.message)
        return redirect("appointment_notes", appointment_pk=note.appointment_id)
    messages.success(request, "Note signed. It can no longer be changed; add addenda instead.")
    return redirect("appointment_notes", appointment_pk=note.appointment_id)


@clinicians_only
@require_POST
def addendum_new(request, kind, note_pk):
    note = _note(request, kind, note_pk)
    key = f"{kind}-{note.pk}"
    form = AddendumForm(request.POST, prefix=key)
    if form.is_valid():
        try:
            notes.addendum_add(by=request.user, note=note, text=form.cleaned_data["text"])
        except SessionsError as error:
            _error(form, error)
        else:
            messages.success(request, "Addendum added.")
            return redirect("appointment_notes", appointment_pk=note.appointment_id)
    return _notes_page(request, note.appointment, forms={f"addendum-{key}": form}, status=400)
