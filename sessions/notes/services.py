"""Clinical notes: progress notes per appointment, psychotherapy notes kept apart, addenda.

Each write runs in one transaction, checks its rule, writes, records the audit event and raises
`SessionsError` when a rule says no.

- A note is a draft its author may rewrite until they sign it. A signed note is never changed:
  the model refuses to save it, the admin shows it read only, and on PostgreSQL a trigger refuses
  any UPDATE or DELETE. Corrections are addenda, themselves never changed.
- Progress notes are part of the chart: the patient's clinicians read them.
- Psychotherapy notes (the therapist's process notes) live in their own table and are read only by
  their author: not the care team, not the chart, not a PDF, not the patient's export.
"""

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.roles import CLINICIANS
from audit.models import Action
from audit.services import record
from patients.access import Access, may
from sessions.consent.services import text_sha256
from sessions.errors import SessionsError
from sessions.models import (
    Appointment,
    NoteStatus,
    ProgressNote,
    ProgressNoteAddendum,
    PsychotherapyNote,
    PsychotherapyNoteAddendum,
)

PROGRESS = "progress"
PSYCHOTHERAPY = "psychotherapy"
KINDS = {PROGRESS: ProgressNote, PSYCHOTHERAPY: PsychotherapyNote}
KIND_LABELS = {PROGRESS: "Progress note", PSYCHOTHERAPY: "Psychotherapy note"}
ADDENDUM_MODELS = {ProgressNote: ProgressNoteAddendum, PsychotherapyNote: PsychotherapyNoteAddendum}

Note = ProgressNote | PsychotherapyNote


def kind_of(note: Note) -> str:
    return PSYCHOTHERAPY if isinstance(note, PsychotherapyNote) else PROGRESS


def _clean(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise SessionsError("A note needs some text.", field="text")
    return text


def _clinician_of(by, patient) -> bool:
    return by.role in CLINICIANS and may(by, Access.CHANGE_RECORD, patient)


# --- Who may read what (the pages ask these) ------------------------------------------------------


def may_read(by, note: Note) -> bool:
    if isinstance(note, PsychotherapyNote):
        return note.author_id == by.pk
    return by.role in CLINICIANS and may(by, Access.VIEW_RECORD, note.patient)


def progress_notes_for(appointment: Appointment) -> QuerySet[ProgressNote]:
    """The appointment's progress notes with their authors and addenda, in three queries."""
    return (
        ProgressNote.objects.filter(appointment=appointment)
        .select_related("author")
        .prefetch_related("addenda__author")
        .order_by("created_at", "id")
    )


def psychotherapy_notes_for(appointment: Appointment, reader) -> QuerySet[PsychotherapyNote]:
    """The reader's own psychotherapy notes on this appointment: nobody else's, ever."""
    return (
        PsychotherapyNote.objects.filter(appointment=appointment, author=reader)
        .select_related("author")
        .prefetch_related("addenda__author")
        .order_by("created_at", "id")
    )


def chart_notes(patient, limit: int = 20) -> list[ProgressNote]:
    """The patient's latest progress notes for the chart (psychotherapy notes never)."""
    return list(
        ProgressNote.objects.filter(patient=patient)
        .select_related("author", "appointment__type")
        .order_by("-appointment__start", "-id")[:limit]
    )


# --- Writes ---------------------------------------------------------------------------------------


@transaction.atomic
def note_create(*, by, appointment: Appointment, kind: str = PROGRESS, text: str) -> Note:
    """A new draft note on `appointment`, by its author `by`."""
    model = KINDS.get(kind)
    if model is None:
        raise SessionsError(f"Unknown kind of note {kind!r}.", field="kind")
    appointment = Appointment.objects.select_related("patient").get(pk=appointment.pk)
    if not _clinician_of(by, appointment.patient):
        raise SessionsError("Only a clinician of this patient may write notes.")
    if appointment.status == Appointment.Status.CANCELLED:
        raise SessionsError("A cancelled appointment has no session to write a note about.")
    note = model.objects.create(
        patient=appointment.patient, appointment=appointment, author=by, text=_clean(text)
    )
    record(user=by, action=Action.CREATE, patient_id=appointment.patient_id, obj=note)
    return note


def _locked_draft(note: Note, by) -> Note:
    model = type(note)
    note = model.objects.select_for_update().select_related("patient").get(pk=note.pk)
    if note.author_id != by.pk:
        raise SessionsError("Only the note's author may change or sign it.")
    if not _clinician_of(by, note.patient):
        raise SessionsError("Only a clinician of this patient may write notes.")
    if note.status == NoteStatus.SIGNED:
        raise SessionsError("A signed note is never changed: add an addendum instead.")
    return note


@transaction.atomic
def note_update(*, by, note: Note, text: str) -> Note:
    """Rewrite a draft (its author only)."""
    note = _locked_draft(note, by)
    note.text = _clean(text)
    note.save(update_fields=["text", "updated_at"])
    record(user=by, action=Action.CHANGE, patient_id=note.patient_id, obj=note)
    return note


@transaction.atomic
def note_sign(*, by, note: Note, text: str | None = None) -> Note:
    """Sign a draft (its author only): from now on it is never changed. With `text`, the draft
    is rewritten to it first, in the same transaction (what the author sees is what is signed)."""
    note = _locked_draft(note, by)
    if text is not None:
        note.text = _clean(text)
    _clean(note.text)
    note.status = NoteStatus.SIGNED
    note.signed_at = timezone.now()
    note.signed_sha256 = text_sha256(note.text)
    note.save(update_fields=["text", "status", "signed_at", "signed_sha256", "updated_at"])
    record(
        user=by,
        action=Action.CHANGE,
        patient_id=note.patient_id,
        obj=note,
        detail={"status": NoteStatus.SIGNED},
    )
    return note


@transaction.atomic
def addendum_add(*, by, note: Note, text: str):
    """Add an addendum to a signed note: a progress note's by any clinician of the patient, a
    psychotherapy note's by its author only."""
    model = type(note)
    note = model.objects.select_for_update().select_related("patient").get(pk=note.pk)
    if not _clinician_of(by, note.patient) or (
        model is PsychotherapyNote and note.author_id != by.pk
    ):
        raise SessionsError("You may not add to this note.")
    if note.status != NoteStatus.SIGNED:
        raise SessionsError("A draft is still edited directly: addenda are for signed notes.")
    addendum = ADDENDUM_MODELS[model].objects.create(note=note, author=by, text=_clean(text))
    record(user=by, action=Action.CREATE, patient_id=note.patient_id, obj=addendum)
    return addendum


# Psychotherapy notes have their own names too, so a caller never mixes them up by accident.


def psychotherapy_note_create(*, by, appointment: Appointment, text: str) -> PsychotherapyNote:
    return note_create(by=by, appointment=appointment, kind=PSYCHOTHERAPY, text=text)
