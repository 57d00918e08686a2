"""Staff's writes about follow-ups: booking a free slot from the work queue, moving and rebooking
inside the window (outside it, or after a second no-show, with a reason), closing the initial
series; and the helpers the scheduler's own writes share (`integration.followups.dispatch`). The
integration note is in `integration.followups.notes`.

Each function runs in one transaction, checks its rule, writes, records the audit event and raises
`IntegrationError` with a sentence for the user when a rule says no. What the dispatcher does is
audited as the clinic scheduler's account (`integration.schedule.services.scheduler_user`).
"""

import logging
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta

from django.db import transaction

from accounts.models import User
from accounts.roles import CLINICIANS, Role
from audit.models import Action
from audit.services import record
from integration.errors import IntegrationError
from integration.followups import selectors as read
from integration.models import FollowUp
from integration.schedule import services as schedule
from patients import phases
from patients.access import Access, may
from patients.errors import PatientsError
from patients.models import Alert, CareTeamMember, TreatmentCourse
from patients.services import alert_raise, course_change_phase, register_phase_guard
from sessions.booking.services import appointment_book, appointment_reschedule
from sessions.errors import SessionsError
from sessions.models import Appointment, Dose

log = logging.getLogger(__name__)

# The appointment `followup_book_slot` is moving outside its window with a reason: the only move
# outside the window the appointment's pre-save guard lets through (receivers.guard_window).
_MOVING_OUTSIDE: ContextVar[int | None] = ContextVar("followup_moving_outside", default=None)


def moving_outside_window() -> int | None:
    return _MOVING_OUTSIDE.get()


@contextmanager
def _outside_window_allowed(appointment_id):
    token = _MOVING_OUTSIDE.set(appointment_id)
    try:
        yield
    finally:
        _MOVING_OUTSIDE.reset(token)


def _day(day) -> str:
    return f"{day:%a %b} {day.day}"


def window_text(followup: FollowUp) -> str:
    return f"{_day(followup.first_day)}–{_day(followup.last_day)}"


def _audit(followup: FollowUp, by=None, **detail) -> None:
    record(
        user=by or schedule.scheduler_user(),
        action=Action.CHANGE,
        patient_id=followup.patient_id,
        obj=followup,
        detail={"status": followup.status, **detail},
    )


def _recipients(followup: FollowUp) -> list[User]:
    """Who hears about a follow-up: its therapist while on the care team, else the care team's
    clinicians, else the on-call prescriber(s)."""
    team = [
        m.clinician
        for m in CareTeamMember.objects.filter(patient_id=followup.patient_id)
        .filter(clinician__is_active=True, clinician__role__in=sorted(CLINICIANS))
        .select_related("clinician")
        .order_by("-primary", "added_at")
    ]
    mine = [c for c in team if c.pk == followup.therapist_id]
    if mine:
        return mine
    if team:
        return team
    return list(User.objects.filter(role=Role.PRESCRIBER, on_call=True, is_active=True))


def _alert(followup: FollowUp, message: str, severity=Alert.Severity.WARNING) -> None:
    alert_raise(  # one routing: alert_raise keeps it inside the access policy
        patient=followup.patient,
        recipients=_recipients(followup),
        kind=Alert.Kind.SCHEDULING,
        severity=severity,
        message=message,
    )


def _primary_therapist(patient_id) -> User | None:
    member = (
        CareTeamMember.objects.filter(patient_id=patient_id, primary=True)
        .select_related("clinician")
        .first()
    )
    return member.clinician if member else None


# --- Staff: book a slot, move, rebook -------------------------------------------------------------


def _locked_for(by, followup: FollowUp) -> FollowUp:
    followup = (
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("patient", "appointment")
        .get(pk=followup.pk)
    )
    if by.role not in CLINICIANS or not may(by, Access.CHANGE_RECORD, followup.patient):
        raise IntegrationError("Only a clinician on the care team may change this follow-up.")
    return followup


@transaction.atomic
def followup_book_slot(
    *, by, followup: FollowUp, start: datetime, clinician, room=None, reason: str = ""
) -> FollowUp:
    """Book the follow-up at `start` with `clinician` (the work queue's one click, a move, or a
    rebooking after a no-show). Inside the window it needs nothing more; outside it, or after a
    second no-show, a reason, which is kept with the follow-up."""
    followup = _locked_for(by, followup)
    if followup.status in (FollowUp.Status.HELD, FollowUp.Status.INTEGRATED):
        raise IntegrationError("This follow-up was held: its integration note closes it.")
    type_ = read.integration_type()
    current = followup.appointment
    if current is not None and current.status != Appointment.Status.BOOKED:
        current = None  # a no-show or cancelled one is not moved: a new one is booked
    minutes = current.minutes if current is not None else type_.default_minutes
    inside = read.window_of(followup).contains(start, start + timedelta(minutes=minutes))
    reason = (reason or "").strip()
    if not inside and not reason:
        raise IntegrationError(
            f"This time is outside the follow-up's window ({window_text(followup)}): "
            f"give a reason to book it there.",
            field="reason",
        )
    if followup.no_shows >= 2 and current is None and not reason:
        raise IntegrationError(
            "The patient missed this follow-up twice: give a reason to book it again.",
            field="reason",
        )
    try:
        if current is not None:
            with _outside_window_allowed(current.pk if reason else None):
                appointment = appointment_reschedule(
                    by=by, appointment=current, start=start, clinician=clinician, room=room
                )
        else:
            appointment = appointment_book(
                by=by,
                patient=followup.patient,
                type=type_,
                clinician=clinician,
                start=start,
                room=room,
            )
    except SessionsError as error:
        raise IntegrationError(error.message, field="start") from error
    schedule.release(
        followup,
        status=FollowUp.Status.BOOKED,
        appointment=appointment,
        problem="",
        outside_reason="" if inside and followup.no_shows < 2 else reason,
    )
    _audit(followup, by, appointment=appointment.pk, outside_window=not inside)
    return followup


# --- Closing the initial series -------------------------------------------------------------------


@register_phase_guard(phases.MAINTENANCE)
def _doses_integrated(course, by, reason: str) -> None:
    # Each dose of the initial series is followed up and integrated before the series closes.
    waiting = Dose.objects.filter(
        course=course,
        status__in=(Dose.Status.STARTED, Dose.Status.DISCHARGED, Dose.Status.ENDED_EARLY),
    ).count()
    if waiting:
        raise PatientsError(
            f"{waiting} dose{'s' if waiting > 1 else ''} of this course "
            f"{'are' if waiting > 1 else 'is'} not integrated yet: sign the integration "
            "notes before closing the initial series."
        )


def course_close_series(*, by, course: TreatmentCourse, reason: str) -> TreatmentCourse:
    """Close the initial series: the course moves to maintenance (boosters) through the
    course's own service and its guards."""
    if by.role not in CLINICIANS:
        raise IntegrationError("Only a therapist or prescriber closes a treatment series.")
    if not (reason or "").strip():
        raise IntegrationError("Say how the initial series went.", field="reason")
    try:
        return course_change_phase(
            by=by, course=course, to_phase=phases.MAINTENANCE, reason=reason.strip()
        )
    except PatientsError as error:
        raise IntegrationError(error.message, field="reason") from error
