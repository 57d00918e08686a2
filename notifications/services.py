"""Writes with a rule: plan, move and cancel an appointment's reminders (called inside the booking
service's transaction), the urgent alert e-mails, the patient's contact preference, the clinic-wide
pause, and sending again after a failure or an interruption (a staff member's decision, audited).
What the scheduler does on its own (claim, hand off, send) is in `notifications.dispatch`."""

import logging
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from audit.models import Action
from audit.services import record
from integration.schedule.services import enqueue_on_commit
from notifications import rules
from notifications.errors import NotificationsError
from notifications.models import ContactPreference, Message, MessagingPause
from patients.access import Access, may
from patients.models import Alert
from patients.services import alert_raise
from sessions.booking.selectors import clinic_zone

log = logging.getLogger(__name__)

# Appointment statuses after which its reminders still pending are called off.
CALLS_OFF = {"cancelled": "The appointment was cancelled.", "no_show": "The patient did not come."}


# --- An appointment's reminders (inside the booking service's transaction) ------------------------


def _pending(appointment) -> list[Message]:
    return list(
        Message.objects.select_for_update(of=("self",)).filter(
            appointment=appointment, status=Message.Status.PENDING
        )
    )


def _row_for(appointment, timing: rules.Timing, now: datetime) -> Message:
    return Message(
        kind=timing.kind,
        patient_id=appointment.patient_id,
        appointment=appointment,
        for_start=appointment.start,
        intended_at=timing.intended,
        due_at=timing.send_at,
        **(
            {"status": Message.Status.SKIPPED, "note": "Too late: the appointment came first."}
            if timing.too_late
            else {}
        ),
    )


def reminders_plan(*, appointment, now: datetime | None = None) -> list[Message]:
    """Create the reminders of a booked appointment that it has none of for its current start
    (idempotent: the booking hook and the sweep may both call it)."""
    now = now or timezone.now()
    have = set(
        Message.objects.filter(
            appointment=appointment, for_start=appointment.start, resend_of__isnull=True
        ).values_list("kind", flat=True)
    )
    made = []
    for timing in rules.plan(appointment.type.code, appointment.start, clinic_zone(), now):
        if timing.kind in have:
            continue
        try:
            with transaction.atomic():
                made.append(_row_for(appointment, timing, now))
                made[-1].save()
        except IntegrityError:  # a concurrent sweep planned it
            made.pop()
    return made


def reminders_move(*, appointment, now: datetime | None = None) -> None:
    """The appointment moved: its waiting reminders follow it (new times, quiet hours again);
    reminders already sent stay, about the old time, and the new time gets those it lacks."""
    now = now or timezone.now()
    zone = clinic_zone()
    taken = set(
        Message.objects.filter(
            appointment=appointment, for_start=appointment.start, resend_of__isnull=True
        ).values_list("kind", flat=True)
    )
    for message in _pending(appointment):
        if message.for_start == appointment.start:
            continue
        if message.kind in taken:  # moved back to a time already reminded of
            _call_off(message, "The appointment moved.")
            continue
        timing = rules.timing(message.kind, appointment.start, zone, now)
        message.for_start, message.intended_at, message.due_at = (
            appointment.start,
            timing.intended,
            timing.send_at,
        )
        fields = ["for_start", "intended_at", "due_at"]
        if timing.too_late:
            message.status, message.note = Message.Status.SKIPPED, "Too late after the move."
            fields += ["status", "note"]
        message.save(update_fields=fields)
        taken.add(message.kind)
    reminders_plan(appointment=appointment, now=now)


def _call_off(message: Message, why: str) -> None:
    message.status, message.note = Message.Status.CANCELLED, why
    message.finished_at = timezone.now()
    message.save(update_fields=["status", "note", "finished_at"])


def reminders_call_off(*, appointment, why: str) -> int:
    pending = _pending(appointment)
    for message in pending:
        _call_off(message, why)
    return len(pending)


def appointment_changed(*, appointment, change: str) -> None:
    """What the booking services tell us, in their transaction."""
    if change == "booked":
        reminders_plan(appointment=appointment)
    elif change == "moved":
        reminders_move(appointment=appointment)
    elif change in CALLS_OFF:
        reminders_call_off(appointment=appointment, why=CALLS_OFF[change])


# --- Staff: urgent alerts e-mailed at once --------------------------------------------------------


def alert_emails(*, alerts) -> list[Message]:
    """One e-mail per urgent alert to its recipient, due now, sent right after the commit."""
    from notifications import tasks

    made = []
    for alert in alerts:
        if alert.severity != "urgent":
            continue
        message = Message.objects.create(
            kind=Message.Kind.URGENT_ALERT,
            alert=alert,
            recipient_id=alert.recipient_id,
            due_at=timezone.now(),
        )
        enqueue_on_commit(tasks.send_message, message.pk)
        made.append(message)
    return made


def audit_break_alert(*, seal, problem: str) -> list:
    """The daily audit check found a break: an urgent alert (on their page, and by e-mail) to
    every active administrator. About no patient: it names the seal, never a record."""
    admins = list(User.objects.filter(role=Role.ADMIN, is_active=True))
    if not admins:
        log.error("audit chain broken at seal %s, and no active administrator to alert", seal.pk)
        return []
    return alert_raise(
        patient=None,
        recipients=admins,
        kind=Alert.Kind.CLINICAL,
        severity=Alert.Severity.URGENT,
        message=f"The daily check of the audit trail found it broken at seal {seal.pk} "
        f"(events {seal.first_event_id} to {seal.last_event_id}): {problem}. Treat it as a "
        "security incident: ask the engineer on call to keep the database as it is and compare "
        "it with a backup.",
    )


# --- The patient's channels and consent -----------------------------------------------------------


def preference_of(patient) -> ContactPreference:
    """The stored preference, or the defaults (not saved)."""
    found = ContactPreference.objects.filter(patient=patient).first()
    return found or ContactPreference(patient=patient)


def may_set_preference(user, patient) -> bool:
    """Staff who may change the patient's details, or the patient themself (the portal)."""
    own = getattr(user, "role", None) == "patient" and patient.user_id == user.pk
    return own or may(user, Access.CHANGE_DEMOGRAPHICS, patient)


@transaction.atomic
def preference_set(*, by, patient, email: bool, sms: bool, unencrypted_consent: bool):
    if not may_set_preference(by, patient):
        raise NotificationsError("You may not change how this patient is reached.")
    if sms and not patient.phone:
        raise NotificationsError("The patient has no phone number for text messages.", field="sms")
    if email and not patient.email:
        raise NotificationsError("The patient has no e-mail address.", field="email")
    preference, created = ContactPreference.objects.select_for_update().get_or_create(
        patient=patient
    )
    before = {
        "email": preference.email,
        "sms": preference.sms,
        "unencrypted_consent": preference.unencrypted_consent,
    }
    after = {"email": email, "sms": sms, "unencrypted_consent": unencrypted_consent}
    for name, value in after.items():
        setattr(preference, name, value)
    preference.updated_by = by
    preference.save()
    record(
        user=by,
        action=Action.CREATE if created else Action.CHANGE,
        patient_id=patient.pk,
        obj=preference,
        detail={"changed": sorted(k for k in after if after[k] != before[k] or created)},
    )
    return preference


# --- The clinic-wide pause ------------------------------------------------------------------------


def is_paused() -> bool:
    return MessagingPause.objects.filter(pk=1, paused=True).exists()


@transaction.atomic
def pause_set(*, by, paused: bool, reason: str = "") -> MessagingPause:
    if getattr(by, "role", None) != "admin":
        raise NotificationsError("Only an administrator pauses the clinic's messages.")
    row, _ = MessagingPause.objects.select_for_update().get_or_create(pk=1)
    row.paused, row.reason, row.changed_by = paused, reason.strip()[:200], by
    row.save()
    record(user=by, action=Action.CHANGE, obj=row, detail={"paused": paused})
    return row


# --- Sending again: a conscious, logged decision --------------------------------------------------


RESENDABLE = (Message.Status.FAILED, Message.Status.UNCERTAIN)


@transaction.atomic
def message_resend(*, by, message: Message, reason: str) -> Message:
    """Send a failed or interrupted message again, as a new message (its own send log), after a
    staff member has checked it did not arrive. Refused twice for one message."""
    message = Message.objects.select_for_update(of=("self",)).get(pk=message.pk)
    patient = message.patient
    if patient is None or not may(by, Access.CHANGE_DEMOGRAPHICS, patient):
        raise NotificationsError("You may not send this message again.")
    if message.status not in RESENDABLE:
        raise NotificationsError(
            f"This message is {message.get_status_display().lower()}; only a failed or "
            "interrupted message is sent again."
        )
    reason = (reason or "").strip()
    if not reason:
        raise NotificationsError(
            "Say why it is sent again (who checked it did not arrive).", field="reason"
        )
    if Message.objects.filter(resend_of=message).exists():
        raise NotificationsError("This message was already sent again.")
    again = Message.objects.create(
        kind=message.kind,
        patient=patient,
        appointment=message.appointment,
        for_start=message.for_start,
        intended_at=message.intended_at,
        due_at=rules.out_of_quiet_hours(timezone.now(), clinic_zone()),
        resend_of=message,
        resend_reason=reason,
    )
    record(
        user=by,
        action=Action.CREATE,
        patient_id=patient.pk,
        obj=again,
        detail={"resend_of": message.pk, "status_was": message.status},
    )
    return again
