"""What the clinic's scheduler does on its own: open one follow-up per finished dose, book due
follow-ups under a claim (the beat's dispatcher and the fast path after a discharge), and the
sweep (doses a lost signal never opened, appointments marked no-show, cancelled or held, overdue
alerts). Every function is safe to run any number of times, anywhere; what it writes is audited as
the clinic scheduler's account. Staff's writes are in `integration.followups.services`.
"""

import logging
from collections import Counter
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import Action
from audit.services import record
from integration.followups import rules
from integration.followups import selectors as read
from integration.followups.services import (
    _alert,
    _audit,
    _day,
    _primary_therapist,
    window_text,
)
from integration.models import FollowUp
from integration.schedule import services as schedule
from patients.models import TreatmentCourse
from sessions.booking.selectors import clinic_zone
from sessions.booking.services import appointment_book
from sessions.errors import SessionsError
from sessions.models import Appointment, Dose

log = logging.getLogger(__name__)

FINISHED = (Dose.Status.DISCHARGED, Dose.Status.ENDED_EARLY)
# How often the dispatcher searches again when a concurrent booking took its choice; past that
# the row is postponed (retried with backoff), not called unbookable.
_SLOT_TRIES = 5
SWEEP_BATCH = 200


# --- Opening: one follow-up per finished dose -----------------------------------------------------


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
