"""The portal's writes. Each runs in one transaction, checks its rule, writes, records the audit
event, and raises `PortalError` with a sentence for the user when a rule says no.

The patient is always the signed-in user's own record: services take `by` (the patient user)
and the object, and check the object is theirs.
"""

import hashlib
import secrets

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import User
from accounts.roles import STAFF, Role
from audit.models import Action
from audit.services import record
from integration.followups.notes import journal_prompts
from patients.access import Access, may
from patients.models import Patient
from portal import rules
from portal.errors import PortalError
from portal.models import (
    Category,
    JournalEntry,
    JournalPrompt,
    PortalInvitation,
    PromptAssignment,
)
from portal.selectors import signed_note
from sessions.models import Dose

DEFAULT_PROMPTS = 3  # library prompts given after a dose whose note names none
SUBJECT = "Your invitation to the KAP Clinic patient portal"  # no PHI in subjects


def token_sha256(token: str) -> str:
    return hashlib.sha256((token or "").encode("utf-8")).hexdigest()


# --- Invitations ----------------------------------------------------------------------------------


@transaction.atomic
def invitation_send(*, by, patient: Patient, accept_url) -> PortalInvitation:
    """Invite `patient` to the portal by e-mail: a one-time link valid for 72 hours. Any open
    invitation of the patient is revoked first. `accept_url(token)` builds the absolute link."""
    if by.role not in STAFF or not may(by, Access.CHANGE_DEMOGRAPHICS, patient):
        raise PortalError("You may not invite this patient to the portal.")
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    email = (patient.email or "").strip().lower()
    if not email:
        raise PortalError("Add the patient's e-mail address to their details first.")
    clash = User.objects.filter(username__iexact=email)
    if patient.user_id:
        clash = clash.exclude(pk=patient.user_id)
    if clash.exists():
        raise PortalError("Another account already uses this e-mail address.")
    now = timezone.now()
    revoked = PortalInvitation.objects.filter(
        patient=patient, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = PortalInvitation.objects.create(
        patient=patient,
        email=email,
        token_sha256=token_sha256(token),
        created_by=by,
        expires_at=now + rules.INVITATION_LIFETIME,
    )
    record(
        user=by,
        action=Action.CREATE,
        patient_id=patient.pk,
        obj=invitation,
        detail={"revoked": revoked},
    )
    hours = int(rules.INVITATION_LIFETIME.total_seconds() // 3600)
    try:
        send_mail(
            SUBJECT,
            "You are invited to the KAP Clinic patient portal: your appointments, what to do "
            "before them, questionnaires, your consent and your journal.\n\n"
            f"Open this link to choose your password (it works once, for {hours} hours):\n"
            f"{accept_url(token)}\n\n"
            "If you did not expect this message, please call the clinic.",
            None,
            [email],
        )
    except Exception as error:  # the invitation is rolled back with it: nothing half-sent
        raise PortalError("The e-mail could not be sent: try again later.") from error
    return invitation


def invitation_for(token: str) -> PortalInvitation | None:
    """The invitation a link's token opens, whatever its state (None when there is none)."""
    invitation = (
        PortalInvitation.objects.filter(token_sha256=token_sha256(token))
        .select_related("patient")
        .first()
    )
    return invitation


STATE_MESSAGES = {
    "used": "This invitation link was already used. Sign in with your password.",
    "revoked": "This invitation link was replaced by a newer one: use the latest e-mail.",
    "expired": "This invitation link has expired. Please call the clinic for a new one.",
}


@transaction.atomic
def invitation_accept(*, token: str, password: str) -> User:
    """Set the patient's password from an open invitation: creates their portal account (or
    sets the password of the one they have) and links it to their record. Used once."""
    invitation = (
        PortalInvitation.objects.select_for_update()
        .filter(token_sha256=token_sha256(token))
        .first()
    )
    if invitation is None:
        raise PortalError("This invitation link is not valid.")
    if invitation.state != "open":
        raise PortalError(STATE_MESSAGES[invitation.state])
    patient = Patient.objects.select_for_update().get(pk=invitation.patient_id)
    user = patient.user or User(
        username=invitation.email,
        email=invitation.email,
        first_name=patient.preferred_name or patient.first_name,
        last_name=patient.last_name,
        role=Role.PATIENT,
    )
    if user.role != Role.PATIENT:
        raise PortalError("This record is linked to a staff account: please call the clinic.")
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise PortalError(" ".join(error.messages), field="new_password1") from error
    user.set_password(password)
    user.is_active = True
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        raise PortalError("Another account already uses this e-mail address.") from error
    if patient.user_id != user.pk:
        patient.user = user
        patient.save(update_fields=["user"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    record(user=user, action=Action.CHANGE, patient_id=patient.pk, obj=invitation)
    return user


# --- Journal --------------------------------------------------------------------------------------


def _category(label: str) -> str:
    return label.lower() if label and label.lower() in Category.values else ""


def ensure_assignments(patient: Patient) -> int:
    """Give every finished dose of the patient its prompts: those of its signed integration note,
    else a few from the library. Idempotent (one assignment per dose and text, by a unique
    constraint); one query when nothing is missing. Returns how many were written."""
    own = PromptAssignment.objects.filter(dose=OuterRef("pk"))
    doses = list(
        Dose.objects.filter(course__patient=patient, status__in=Dose.FINISHED)
        .select_related("followup__note")
        .annotate(
            has_any=Exists(own),
            has_note=Exists(own.filter(source=PromptAssignment.Source.NOTE)),
        )
        .order_by("started_at", "id")
    )
    library = None
    written = 0
    for number, dose in enumerate(doses):
        note = signed_note(dose)
        picked = journal_prompts(note) if note else []
        if picked and not dose.has_note:
            with transaction.atomic():
                PromptAssignment.objects.filter(
                    dose=dose, source=PromptAssignment.Source.LIBRARY, entries__isnull=True
                ).delete()
                rows = [
                    PromptAssignment(
                        patient=patient,
                        dose=dose,
                        category=_category(category),
                        text=text[:300],
                        source=PromptAssignment.Source.NOTE,
                    )
                    for category, text in picked
                ]
                written += len(PromptAssignment.objects.bulk_create(rows, ignore_conflicts=True))
        elif not picked and not dose.has_any:
            if library is None:
                library = list(JournalPrompt.objects.filter(active=True).order_by("order", "id"))
            if not library:
                continue
            chosen = [
                library[(number * DEFAULT_PROMPTS + i) % len(library)]
                for i in range(min(DEFAULT_PROMPTS, len(library)))
            ]
            rows = [
                PromptAssignment(
                    patient=patient,
                    dose=dose,
                    prompt=prompt,
                    category=prompt.category,
                    text=prompt.text,
                    source=PromptAssignment.Source.LIBRARY,
                )
                for prompt in chosen
            ]
            written += len(PromptAssignment.objects.bulk_create(rows, ignore_conflicts=True))
    return written


def _own(by, patient: Patient) -> None:
    if by.role != Role.PATIENT or patient.user_id != by.pk:
        raise PortalError("Only the patient writes in their journal.")


def _cleaned_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise PortalError("Write something first.", field="text")
    return text


@transaction.atomic
def journal_entry_write(
    *, by, patient: Patient, assignment: PromptAssignment, text: str, shared: bool
) -> JournalEntry:
    """The patient writes an entry against one of their prompts, private or shared."""
    _own(by, patient)
    if assignment.patient_id != patient.pk:
        raise PortalError("This prompt is not yours.")
    entry = JournalEntry.objects.create(
        patient=patient,
        assignment=assignment,
        text=_cleaned_text(text),
        shared=shared,
        shared_at=timezone.now() if shared else None,
    )
    record(
        user=by,
        action=Action.CREATE,
        patient_id=patient.pk,
        obj=entry,
        detail={"shared": shared},
    )
    return entry


@transaction.atomic
def journal_entry_update(*, by, patient: Patient, entry: JournalEntry, text: str, shared: bool):
    """The patient rewrites an entry or changes whether the care team may read it."""
    _own(by, patient)
    entry = JournalEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.patient_id != patient.pk:
        raise PortalError("This entry is not yours.")
    entry.text = _cleaned_text(text)
    if shared and not entry.shared:
        entry.shared_at = timezone.now()
    elif not shared:
        entry.shared_at = None
    entry.shared = shared
    entry.save()
    record(
        user=by,
        action=Action.CHANGE,
        patient_id=patient.pk,
        obj=entry,
        detail={"shared": shared},
    )
    return entry
