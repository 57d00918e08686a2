"""The integration session's note: a draft its author rewrites until they sign it; signing holds
the appointment (marked completed if it was still booked), integrates the follow-up and moves the
dose to integrated, so the next dose's start guard needs no override. A signed note is never
changed (service, model, admin and a PostgreSQL trigger): corrections are addenda.
"""

from django.db import transaction
from django.utils import timezone

from accounts.roles import CLINICIANS, Role
from audit.models import Action
from audit.services import record
from integration.errors import IntegrationError
from integration.models import FollowUp, IntegrationNote, IntegrationNoteAddendum
from patients.access import Access, may
from patients.models import Alert, CareTeamMember
from patients.services import alert_raise
from sessions.booking.services import appointment_complete
from sessions.consent.services import text_sha256
from sessions.errors import SessionsError
from sessions.models import Appointment, Dose, NoteStatus

FIELDS = (
    "how_it_went",
    "themes",
    "body_emotions",
    "carry_forward",
    "homework",
    "journal_prompts",
    "questionnaires",
    "risk",
    "risk_notes",
)
PROMPT_CATEGORIES = ("Body", "Emotions", "Insights", "Relationships", "Intentions")


def journal_prompts(note: IntegrationNote) -> list[tuple[str, str]]:
    """The prompts assigned, as (category, prompt); the category is "" when none was named."""
    prompts = []
    for line in note.journal_prompts.splitlines():
        line = line.strip().lstrip("-•").strip()
        if not line:
            continue
        head, colon, rest = line.partition(":")
        if colon and head.strip().title() in PROMPT_CATEGORIES and rest.strip():
            prompts.append((head.strip().title(), rest.strip()))
        else:
            prompts.append(("", line))
    return prompts


def canonical_text(note: IntegrationNote) -> str:
    """What is signed, field by field with its label (the SHA-256 is taken over this)."""
    parts = []
    for name in FIELDS:
        value = note.get_risk_display() if name == "risk" else getattr(note, name)
        parts.append(f"{IntegrationNote._meta.get_field(name).verbose_name}: {value}")
    return "\n".join(parts)


def _clinician_of(by, patient) -> bool:
    return by.role in CLINICIANS and may(by, Access.CHANGE_RECORD, patient)


def _cleaned(fields: dict) -> dict:
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown integration note fields: {sorted(unknown)}")
    cleaned = {name: (value or "").strip() for name, value in fields.items()}
    if cleaned.get("risk") and cleaned["risk"] not in IntegrationNote.Risk.values:
        raise IntegrationError("Choose one of the risk answers.", field="risk")
    return cleaned


@transaction.atomic
def note_save(*, by, followup: FollowUp, **fields) -> IntegrationNote:
    """Start or rewrite the draft of the follow-up's note (its author only)."""
    followup = FollowUp.objects.select_related("patient").get(pk=followup.pk)
    if not _clinician_of(by, followup.patient):
        raise IntegrationError("Only a clinician of this patient writes integration notes.")
    if followup.appointment_id is None:
        raise IntegrationError("Book the follow-up first: the note is about that session.")
    fields = _cleaned(fields)
    note = IntegrationNote.objects.select_for_update().filter(followup=followup).first()
    if note is None:
        note = IntegrationNote.objects.create(
            followup=followup, patient=followup.patient, author=by, **fields
        )
        record(user=by, action=Action.CREATE, patient_id=note.patient_id, obj=note)
        return note
    if note.author_id != by.pk:
        raise IntegrationError("Only the note's author may change or sign it.")
    if note.is_signed:
        raise IntegrationError("A signed integration note is never changed: add an addendum.")
    for name, value in fields.items():
        setattr(note, name, value)
    note.save()
    record(user=by, action=Action.CHANGE, patient_id=note.patient_id, obj=note)
    return note


def _hold_session(by, followup: FollowUp) -> Appointment:
    appointment = followup.appointment
    if appointment is None:
        raise IntegrationError("Book the follow-up first: the note is about that session.")
    if appointment.start > timezone.now():
        raise IntegrationError(
            "The follow-up session has not started yet: sign the note once it is held."
        )
    if appointment.status == Appointment.Status.BOOKED:
        try:
            appointment = appointment_complete(by=by, appointment=appointment)
        except SessionsError as error:
            raise IntegrationError(error.message) from error
    elif appointment.status != Appointment.Status.COMPLETED:
        raise IntegrationError(
            f"The follow-up appointment is {appointment.get_status_display().lower()}: "
            "book another time first."
        )
    return appointment


def _alert_risk(note: IntegrationNote, by) -> None:
    # Elevated risk reaches the care team's prescribers (an unresolved safety alert also holds
    # the next dose); with none on the team, the on-call prescriber.
    team = CareTeamMember.objects.filter(
        patient_id=note.patient_id, clinician__role=Role.PRESCRIBER, clinician__is_active=True
    ).select_related("clinician")
    recipients = [m.clinician for m in team]
    if not recipients:
        from accounts.models import User

        recipients = list(User.objects.filter(role=Role.PRESCRIBER, on_call=True, is_active=True))
    alert_raise(  # one routing: alert_raise keeps it inside the access policy
        patient=note.patient,
        recipients=recipients,
        kind=Alert.Kind.SAFETY,
        severity=Alert.Severity.URGENT,
        message="Integration session: elevated risk at the risk check. Review before the "
        "next dose.",
        by=by,
    )


@transaction.atomic
def note_sign(*, by, followup: FollowUp, **fields) -> IntegrationNote:
    """Sign the follow-up's draft (with `fields` written first, so what the author sees is what
    is signed): the follow-up is integrated and the dose with it."""
    note = note_save(by=by, followup=followup, **fields)
    note = IntegrationNote.objects.select_for_update().get(pk=note.pk)
    followup = (
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("appointment", "patient")
        .get(pk=note.followup_id)
    )
    missing = [
        IntegrationNote._meta.get_field(name).verbose_name
        for name in ("how_it_went", "risk")
        if not getattr(note, name)
    ]
    if missing:
        raise IntegrationError(
            "Before signing, fill in: " + " and ".join(m.lower() for m in missing) + ".",
            field="risk" if not note.risk else "how_it_went",
        )
    _hold_session(by, followup)
    now = timezone.now()
    note.status, note.signed_at = NoteStatus.SIGNED, now
    note.signed_sha256 = text_sha256(canonical_text(note))
    IntegrationNote.objects.filter(pk=note.pk).update(
        status=note.status, signed_at=now, signed_sha256=note.signed_sha256, updated_at=now
    )
    followup.status, followup.integrated_at = FollowUp.Status.INTEGRATED, now
    followup.save(update_fields=["status", "integrated_at"])
    # The dose's last step (DESIGN.md: booked → started → discharged | ended early → integrated).
    Dose.objects.filter(
        pk=followup.dose_id, status__in=(Dose.Status.DISCHARGED, Dose.Status.ENDED_EARLY)
    ).update(status=Dose.Status.INTEGRATED)
    record(
        user=by,
        action=Action.CHANGE,
        patient_id=note.patient_id,
        obj=note,
        detail={"status": NoteStatus.SIGNED, "dose": followup.dose_id, "dose_status": "integrated"},
    )
    if note.risk == IntegrationNote.Risk.ELEVATED:
        _alert_risk(note, by)
    return note


@transaction.atomic
def addendum_add(*, by, note: IntegrationNote, text: str) -> IntegrationNoteAddendum:
    note = IntegrationNote.objects.select_for_update().select_related("patient").get(pk=note.pk)
    if not _clinician_of(by, note.patient):
        raise IntegrationError("You may not add to this note.")
    if not note.is_signed:
        raise IntegrationError("A draft is still edited directly: addenda are for signed notes.")
    text = (text or "").strip()
    if not text:
        raise IntegrationError("An addendum needs some text.", field="text")
    addendum = IntegrationNoteAddendum.objects.create(note=note, author=by, text=text)
    record(user=by, action=Action.CREATE, patient_id=note.patient_id, obj=addendum)
    return addendum
