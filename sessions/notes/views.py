"""Notes pages: an appointment's progress and psychotherapy notes, drafts, signing, addenda.
Thin: parse, call one service, render."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from audit.models import Action
from audit.services import record
from patients.access import Access, require
from sessions.errors import SessionsError
from sessions.models import (
    PsychotherapyNote,
)
from sessions.notes import services as notes
from sessions.notes.forms import AddendumForm, NewNoteForm, NoteForm
from sessions.pages import appointment_for, clinicians_only, show_refusal

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
    appointment = appointment_for(request, appointment_pk)
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
    appointment = appointment_for(request, appointment_pk, Access.CHANGE_RECORD)
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
            show_refusal(form, error)
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
            show_refusal(form, error)
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
            show_refusal(form, error)
        else:
            messages.success(request, "Addendum added.")
            return redirect("appointment_notes", appointment_pk=note.appointment_id)
    return _notes_page(request, note.appointment, forms={f"addendum-{key}": form}, status=400)
