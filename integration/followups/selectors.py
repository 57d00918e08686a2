"""Reads for follow-ups: the clinic policy's numbers, each follow-up's window and the free slots
in it, the home page's list, a follow-up's page and the treatment series. Each costs a fixed
number of queries whatever the data size."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from accounts.roles import CLINICIANS
from integration.followups import rules
from integration.models import FollowUp, IntegrationNote
from patients import phases
from patients.access import Access, patients_for
from patients.models import CareTeamMember, TreatmentCourse
from screening.errors import ScreeningError
from screening.selectors import active_policy
from sessions.booking import rules as scheduling
from sessions.booking import selectors as booking
from sessions.booking.selectors import clinic_zone
from sessions.models import INACTIVE, Appointment, AppointmentType, Dose, Room

HOME_LIST_SIZE = 50
QUEUE_SLOTS_PER_CLINICIAN = 6
_SLOT_SEARCH_LIMIT = 500  # a 3-day window on a 15-minute grid holds far fewer


def followup_policy() -> tuple[str, rules.FollowUpPolicy]:
    """The active clinic policy's `integration` numbers (CLINICAL.md's defaults when it has
    none), with its label."""
    try:
        policy = active_policy()
    except ScreeningError:
        return "", rules.FollowUpPolicy()
    return policy.label, rules.FollowUpPolicy.from_dict(policy.data.get("integration"))


def window_of(followup: FollowUp) -> rules.Window:
    return rules.Window(
        dose_at=followup.dose_at,
        first_day=followup.first_day,
        last_day=followup.last_day,
        opens_at=rules.local_midnight(followup.first_day, clinic_zone()),
        closes_at=followup.closes_at,
        earliest=followup.earliest,
    )


def integration_type() -> AppointmentType:
    return AppointmentType.objects.get(code=AppointmentType.Code.INTEGRATION)


# --- Free time in the window ----------------------------------------------------------------------


def free_in_window(
    followup: FollowUp, clinician, *, start_from: datetime, minutes: int
) -> list[scheduling.Slot]:
    """Every free slot of `minutes` for the clinician and the patient, from `start_from` to the
    end of the window, inside the clinician's hours (days off and closed days left out)."""
    win = window_of(followup)
    start_from = max(start_from, win.opens_at)
    if start_from >= win.closes_at:
        return []
    tz = clinic_zone()
    first_day = timezone.localtime(start_from, tz).date()
    work = booking.working_time(clinician, first_day, win.last_day)
    busy = (
        booking.overlapping(start_from, win.closes_at)
        .filter(Q(clinician=clinician) | Q(patient_id=followup.patient_id))
        .exclude(status__in=INACTIVE)
        .values_list("start", "end")
    )
    slots = scheduling.free_slots(
        tz=tz,
        hours=work.hours,
        minutes=minutes,
        earliest=start_from,
        busy=list(busy),
        days_off=work.days_off | set(work.closed),
        count=_SLOT_SEARCH_LIMIT,
        horizon_days=(win.last_day - first_day).days + 1,
    )
    return [slot for slot in slots if slot.end <= win.closes_at]


def automatic_slots(followup: FollowUp, clinician, *, now: datetime, minutes: int):
    """The slots the dispatcher may take, best first (the policy's earliest or preferred day)."""
    _, policy = followup_policy()
    slots = free_in_window(followup, clinician, start_from=followup.earliest, minutes=minutes)
    return rules.ranked(slots, window_of(followup), clinic_zone(), policy, now=now)


def free_room(start: datetime, end: datetime) -> Room | None:
    """The first room in use that nobody holds at that time; None means telehealth."""
    taken = (
        booking.overlapping(start, end)
        .filter(room__isnull=False)
        .exclude(status__in=INACTIVE)
        .values("room_id")
    )
    return Room.objects.filter(is_active=True).exclude(pk__in=taken).order_by("name").first()


def adoptable(followup: FollowUp) -> Appointment | None:
    """An integration appointment already booked for this course inside the window and nobody
    else's follow-up (staff may book it with the dose): the follow-up takes it."""
    win = window_of(followup)
    return (
        Appointment.objects.filter(
            course_id=followup.course_id,
            type__code=AppointmentType.Code.INTEGRATION,
            status=Appointment.Status.BOOKED,
            start__gte=max(win.opens_at, followup.dose_at),
            end__lte=win.closes_at,
            followup__isnull=True,
        )
        .order_by("start")
        .first()
    )


@dataclass
class ClinicianSlots:
    clinician: object
    slots: list


def queue_slots(followup: FollowUp, *, now: datetime, minutes: int) -> list[ClinicianSlots]:
    """The work queue's one-click choices: free slots left in the window for each clinician of
    the care team, the follow-up's therapist first."""
    members = (
        CareTeamMember.objects.filter(patient_id=followup.patient_id)
        .filter(clinician__is_active=True, clinician__role__in=sorted(CLINICIANS))
        .select_related("clinician")
        .order_by("-primary", "added_at")
    )
    clinicians = sorted((m.clinician for m in members), key=lambda c: c.pk != followup.therapist_id)
    return [
        ClinicianSlots(
            clinician,
            free_in_window(followup, clinician, start_from=now, minutes=minutes)[
                :QUEUE_SLOTS_PER_CLINICIAN
            ],
        )
        for clinician in clinicians
    ]


# --- Pages ----------------------------------------------------------------------------------------


def _with_everything(followups):
    return followups.select_related(
        "patient", "therapist", "appointment__room", "appointment__clinician", "dose__appointment"
    )


def for_home(user) -> list[FollowUp]:
    """A clinician's follow-ups still to integrate, and the care team's work queue (follow-ups
    that need a time), soonest to close first."""
    if user.role not in CLINICIANS:
        return []
    mine = patients_for(user, Access.VIEW_RECORD)
    followups = FollowUp.objects.filter(status__in=FollowUp.OPEN, patient__in=mine).filter(
        Q(therapist=user) | Q(status=FollowUp.Status.UNBOOKABLE)
    )
    now = timezone.now()
    listed = list(_with_everything(followups).order_by("closes_at", "id")[:HOME_LIST_SIZE])
    for followup in listed:
        followup.is_overdue = rules.overdue(followup.closes_at, now)
    return listed


def for_chart(course_ids) -> list[FollowUp]:
    """The follow-ups of these courses (a patient's), the latest dose's first, each with its
    appointment, note and `is_overdue`: one query."""
    followups = FollowUp.objects.filter(course_id__in=list(course_ids)).select_related(
        "therapist", "appointment__room", "appointment__clinician", "note"
    )
    now = timezone.now()
    listed = list(followups.order_by("-dose_at", "-id"))
    for followup in listed:
        followup.is_overdue = followup.is_open and rules.overdue(followup.closes_at, now)
    return listed


def followup_page(pk) -> FollowUp:
    followup = _with_everything(FollowUp.objects.all()).select_related("course").get(pk=pk)
    followup.is_overdue = followup.is_open and rules.overdue(followup.closes_at, timezone.now())
    return followup


def note_for(followup: FollowUp) -> IntegrationNote | None:
    return (
        IntegrationNote.objects.filter(followup=followup)
        .select_related("author")
        .prefetch_related("addenda__author")
        .first()
    )


# --- The treatment series -------------------------------------------------------------------------


@dataclass
class SeriesDose:
    appointment: Appointment
    number: int | None
    dose: Dose | None = None
    followup: FollowUp | None = None


@dataclass
class Series:
    course: TreatmentCourse
    preparation: list[Appointment]
    initial: list[SeriesDose] = field(default_factory=list)
    boosters: list[SeriesDose] = field(default_factory=list)
    maintenance_since: datetime | None = None
    awaiting_integration: int = 0
    done: int = 0  # doses given (or their appointments held)
    planned: int = 0  # doses still to give


def series(course: TreatmentCourse) -> Series:
    """The course's preparation, its initial series of doses and its boosters (doses after the
    course entered maintenance), each dose with its state and its follow-up's."""
    base = booking.series(course)
    doses = {d.appointment_id: d for d in Dose.objects.filter(course=course)}
    followups = {
        f.dose_id: f
        for f in FollowUp.objects.filter(course=course).select_related(
            "appointment__room", "appointment__clinician", "note"
        )
    }
    change = course.phase_changes.filter(to_phase=phases.MAINTENANCE).order_by("at").first()
    view = Series(
        course=course,
        preparation=base.preparation,
        maintenance_since=change.at if change else None,
    )
    number = 0
    for entry in base.doses:
        dose = doses.get(entry.appointment.pk)
        # A dose given counts (and is done) whatever its appointment was marked afterwards; an
        # appointment without a given dose counts unless it was cancelled or missed.
        given = dose is not None and dose.status != Dose.Status.BOOKED
        counted = given or entry.appointment.status not in INACTIVE
        number += counted
        item = SeriesDose(
            appointment=entry.appointment,
            number=number if counted else None,
            dose=dose,
            followup=followups.get(dose.pk) if dose else None,
        )
        booster = change is not None and entry.appointment.start >= change.at
        (view.boosters if booster else view.initial).append(item)
        if dose is not None and dose.status in (
            Dose.Status.STARTED,
            Dose.Status.DISCHARGED,
            Dose.Status.ENDED_EARLY,
        ):
            view.awaiting_integration += 1
        if given or entry.appointment.status == Appointment.Status.COMPLETED:
            view.done += 1
        elif counted:
            view.planned += 1
    return view
