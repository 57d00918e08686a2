"""Every write about follow-ups: opening one per finished dose, the dispatcher's booking, the
periodic sweep (missing follow-ups, appointments no-showed, cancelled or held, overdue alerts),
staff booking and moving inside the window (outside it with a reason), and closing the initial
series. The integration note is in `integration.followups.notes`.

Each function runs in one transaction, checks its rule, writes, records the audit event and raises
`IntegrationError` with a sentence for the user when a rule says no. What the dispatcher does is
audited as the clinic scheduler's account (`integration.schedule.services.scheduler_user`).
"""

import logging
from collections import Counter
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import CLINICIANS, Role
from audit.models import Action
from audit.services import record
from integration.errors import IntegrationError
from integration.followups import rules
from integration.followups import selectors as read
from integration.models import FollowUp
from integration.schedule import services as schedule
from patients import phases
from patients.access import Access, may
from patients.errors import PatientsError
from patients.models import Alert, CareTeamMember, TreatmentCourse
from patients.services import alert_raise, course_change_phase, register_phase_guard
from sessions.booking.selectors import clinic_zone
from sessions.booking.services import appointment_book, appointment_reschedule
from sessions.errors import SessionsError
from sessions.models import Appointment, Dose

log = logging.getLogger(__name__)

FINISHED = (Dose.Status.DISCHARGED, Dose.Status.ENDED_EARLY)
# How often the dispatcher searches again when a concurrent booking took its choice; past that
# the row is postponed (retried with backoff), not called unbookable.
_SLOT_TRIES = 5
SWEEP_BATCH = 200
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
    for recipient in _recipients(followup):
        alert_raise(
            patient=followup.patient,
            recipient=recipient,
            kind=Alert.Kind.SCHEDULING,
            severity=severity,
            message=message,
        )


# --- Opening: one follow-up per finished dose -----------------------------------------------------


def _primary_therapist(patient_id) -> User | None:
    member = (
        CareTeamMember.objects.filter(patient_id=patient_id, primary=True)
        .select_related("clinician")
        .first()
    )
    return member.clinician if member else None


def followup_open(*, dose_id) -> FollowUp | None:
    """The follow-up of a discharged or ended dose, created once (None while the dose is not
    finished). The unique constraint decides between concurrent signals, sweeps and workers."""
    existing = FollowUp.objects.filter(dose_id=dose_id).first()
    if existing is not None:
        return existing
    dose = Dose.objects.select_related("appointment", "course").get(pk=dose_id)
    if dose.status not in FINISHED:
        return None
    label, policy = read.followup_policy()
    win = rules.window(dose.started_at or dose.appointment.start, clinic_zone(), policy)
    try:
        with transaction.atomic():
            followup = FollowUp.objects.create(
                dose=dose,
                course=dose.course,
                patient_id=dose.course.patient_id,
                therapist=_primary_therapist(dose.course.patient_id),
                dose_at=win.dose_at,
                first_day=win.first_day,
                last_day=win.last_day,
                earliest=win.earliest,
                closes_at=win.closes_at,
                policy_label=label,
                due_at=timezone.now(),
            )
            record(
                user=schedule.scheduler_user(),
                action=Action.CREATE,
                patient_id=followup.patient_id,
                obj=followup,
                detail={"dose": dose.pk},
            )
    except IntegrityError:
        return FollowUp.objects.get(dose_id=dose_id)  # a concurrent signal or sweep won
    return followup


# --- The dispatcher's booking ---------------------------------------------------------------------


def _unbookable(followup: FollowUp, problem: str, *, alert: bool = True, **changes) -> str:
    schedule.release(followup, status=FollowUp.Status.UNBOOKABLE, problem=problem, **changes)
    _audit(followup)
    if alert:
        _alert(followup, f"Integration follow-up needs a time: {problem}")
    return "unbookable"


def _first_bookable(followup: FollowUp, therapist, type_, now: datetime):
    """The best free slot and a free room for it (None for telehealth)."""
    for slot in read.automatic_slots(followup, therapist, now=now, minutes=type_.default_minutes):
        room = read.free_room(slot.start, slot.end)
        if room is not None or not type_.needs_room:
            return slot, room
    return None, None


def _book(followup: FollowUp, now: datetime) -> str:
    adopted = read.adoptable(followup)
    if adopted is not None:
        schedule.release(followup, status=FollowUp.Status.BOOKED, appointment=adopted, problem="")
        _audit(followup, appointment=adopted.pk, adopted=True)
        return "booked"
    therapist = followup.therapist or _primary_therapist(followup.patient_id)
    if therapist is None:
        return _unbookable(followup, "the patient has no primary therapist to hold it.")
    type_ = read.integration_type()
    for _ in range(_SLOT_TRIES):
        # Searched afresh each time: a concurrent booking that took our choice is seen now.
        slot, room = _first_bookable(followup, therapist, type_, now)
        if slot is None:
            break
        try:
            appointment = appointment_book(
                by=schedule.scheduler_user(),
                patient=followup.patient,
                type=type_,
                clinician=therapist,
                start=slot.start,
                room=room,
            )
        except SessionsError as error:  # taken meanwhile, or the course closed
            log.info("follow-up %s: slot refused (%s)", followup.pk, error.message)
            continue
        schedule.release(
            followup,
            status=FollowUp.Status.BOOKED,
            appointment=appointment,
            therapist=therapist,
            problem="",
        )
        _audit(followup, appointment=appointment.pk)
        return "booked"
    else:
        raise RuntimeError(f"follow-up {followup.pk}: every choice was taken meanwhile")
    return _unbookable(
        followup,
        f"no free {type_.default_minutes}-minute time with {therapist} in the window "
        f"{window_text(followup)} (day 1–3 after the dose).",
    )


def _book_claimed(pk, token: str) -> str:
    followup = schedule.hold(
        FollowUp.objects.select_related("patient", "therapist", "appointment"), pk, token
    )
    if followup is None:
        return "lost"  # another dispatcher took the row over after our lease ran out
    if followup.status != FollowUp.Status.DUE:
        schedule.release(followup)
        return "nothing to do"
    # The course row serializes this booking with a phase change (a course closing meanwhile).
    TreatmentCourse.objects.select_for_update().filter(pk=followup.course_id).first()
    return _book(followup, timezone.now())


def followups_dispatch(*, limit: int = 50) -> Counter:
    """Claim due follow-ups and book each (the beat's task, every minute)."""
    claim = schedule.claim_due(FollowUp.objects.filter(status=FollowUp.Status.DUE), limit=limit)
    return Counter(
        schedule.run_claimed(FollowUp, pk, claim.token, _book_claimed) for pk in claim.ids
    )


def followup_dispatch_one(*, followup_id) -> str:
    """Book one follow-up now (the fast path after a dose finishes), under the same claim."""
    due = FollowUp.objects.filter(status=FollowUp.Status.DUE, pk=followup_id)
    claim = schedule.claim_due(due, limit=1)
    if not claim.ids:
        return "not claimable"  # booked already, or another worker holds it
    return schedule.run_claimed(FollowUp, followup_id, claim.token, _book_claimed)


# --- The sweep: what the signal may have missed, what changed, what is overdue --------------------


def _reconcile(followup: FollowUp) -> str | None:
    """Follow the appointment's own status (marked on the appointment's page)."""
    status = followup.appointment.status
    if status == Appointment.Status.COMPLETED and followup.status == FollowUp.Status.BOOKED:
        followup.status = FollowUp.Status.HELD
        followup.save(update_fields=["status"])
        _audit(followup)
        return "held"
    if followup.status != FollowUp.Status.BOOKED:
        return None
    if status == Appointment.Status.NO_SHOW:
        followup.no_shows += 1
        followup.save(update_fields=["no_shows"])
        if followup.no_shows == 1:
            # Rebooked once, automatically, in what is left of the window.
            schedule.release(
                followup, status=FollowUp.Status.DUE, appointment=None, due_at=timezone.now()
            )
            _audit(followup, no_show=True)
            return "rebooking"
        return _unbookable(
            followup,
            f"missed twice; another time now needs a reason (window {window_text(followup)}).",
            appointment=None,
        )
    if status == Appointment.Status.CANCELLED:
        schedule.release(
            followup,
            status=FollowUp.Status.UNBOOKABLE,
            appointment=None,
            problem=f"the appointment was cancelled; choose another time in the window "
            f"{window_text(followup)}.",
        )
        _audit(followup, cancelled=True)
        return "cancelled"
    return None


@transaction.atomic
def followup_reconcile(*, appointment_id) -> str | None:
    followup = (
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("appointment", "patient")
        .filter(appointment_id=appointment_id, status__in=FollowUp.OPEN)
        .first()
    )
    return _reconcile(followup) if followup is not None else None


def _open_missing() -> int:
    missing = Dose.objects.filter(status__in=FINISHED, followup__isnull=True).values_list(
        "pk", flat=True
    )[:SWEEP_BATCH]
    return sum(followup_open(dose_id=pk) is not None for pk in missing)


def _reconcile_changed() -> int:
    changed = FollowUp.objects.filter(status=FollowUp.Status.BOOKED).exclude(
        appointment__status=Appointment.Status.BOOKED
    )
    ids = list(changed.values_list("appointment_id", flat=True)[:SWEEP_BATCH])
    return sum(followup_reconcile(appointment_id=pk) is not None for pk in ids)


@transaction.atomic
def _alert_overdue(now: datetime) -> int:
    """One overdue alert per follow-up not integrated by the end of its day 3: the rows are
    locked (skipping those another sweep holds) and marked in the same transaction."""
    late = list(
        FollowUp.objects.filter(
            status__in=FollowUp.OPEN, closes_at__lte=now, overdue_alerted_at__isnull=True
        )
        .select_related("patient")
        .select_for_update(skip_locked=True, of=("self",))[:SWEEP_BATCH]
    )
    for followup in late:
        followup.overdue_alerted_at = now
        followup.save(update_fields=["overdue_alerted_at"])
        dose_day = timezone.localtime(followup.dose_at, clinic_zone()).date()
        _alert(
            followup,
            f"Integration overdue: the dose of {_day(dose_day)} has no signed integration note "
            f"(due by the end of {_day(followup.last_day)}).",
        )
        _audit(followup, overdue=True)
    return len(late)


def followups_sweep(*, now: datetime | None = None) -> dict:
    """Open the follow-ups a lost signal never opened, follow appointments marked no-show,
    cancelled or held, and raise overdue alerts. Safe to run anywhere, any number of times."""
    now = now or timezone.now()
    return {
        "opened": _open_missing(),
        "changed": _reconcile_changed(),
        "overdue": _alert_overdue(now),
    }


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
