"""Every write about appointments and calendar feeds that has a rule.

Each function runs in one transaction, checks its rule, writes, records the audit event and raises
`SessionsError` with a sentence the user can read when the rule says no.

No double booking: the attending clinician, the room and the patient never hold two overlapping
active appointments. On PostgreSQL the exclusion constraints on `Appointment` make that impossible
even for concurrent requests; on SQLite the transaction is IMMEDIATE, so writers queue and the
check below, made inside it, cannot be overtaken. Both paths end in the same message.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.roles import CLINICIANS
from audit.models import Action
from audit.services import record
from patients import phases
from patients.models import CareTeamMember, Patient, TreatmentCourse
from sessions.booking import rules as scheduling
from sessions.booking.access import may_book
from sessions.booking.selectors import clinic_zone, overlapping, working_time
from sessions.errors import SessionsError
from sessions.models import (
    INACTIVE,
    Appointment,
    AppointmentType,
    CalendarFeed,
    Room,
)
from sessions.signals import appointment_changed

MIN_MINUTES, MAX_MINUTES = 5, 600
# What the exclusion constraints protect, in the order a message names them.
RESOURCES = ("clinician", "room", "patient")
_CONSTRAINT_RESOURCE = {f"appointment_{r}_no_overlap": r for r in RESOURCES}
# A booking that loses a race to a concurrent one retries its check this often.
_ATTEMPTS = 3
_DEADLOCK = "40P01"


def clash_message(resources) -> str:
    """The one sentence both the SQLite check and the PostgreSQL constraint end in."""
    named = [f"the {r}" for r in RESOURCES if r in set(resources)]
    subject = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    verb = "has" if len(named) == 1 else "have"
    return f"{subject[0].upper()}{subject[1:]} already {verb} an appointment at this time."


def _clashes(appointment: Appointment) -> list[str]:
    """Which of clinician, room and patient already hold an active overlapping appointment."""
    wanted = Q(clinician_id=appointment.clinician_id) | Q(patient_id=appointment.patient_id)
    if appointment.room_id:
        wanted |= Q(room_id=appointment.room_id)
    # Half-open [start, end): an appointment ending at 10:00 leaves 10:00 free.
    others = (
        overlapping(appointment.start, appointment.end)
        .filter(wanted)
        .exclude(status__in=INACTIVE)
        .exclude(pk=appointment.pk)
        .values_list("clinician_id", "room_id", "patient_id")
    )
    found = set()
    for clinician_id, room_id, patient_id in others:
        if clinician_id == appointment.clinician_id:
            found.add("clinician")
        if appointment.room_id and room_id == appointment.room_id:
            found.add("room")
        if patient_id == appointment.patient_id:
            found.add("patient")
    return [r for r in RESOURCES if r in found]


def _overlap_of(error: Exception) -> str | None:
    """The resource an exclusion-constraint error is about, or "race" for a deadlock between
    two losers of the same race; None for any other database error."""
    cause = error.__cause__
    if getattr(cause, "pgcode", None) == _DEADLOCK:
        return "race"
    name = getattr(getattr(cause, "diag", None), "constraint_name", None)
    return _CONSTRAINT_RESOURCE.get(name)


def _queue_for(appointment: Appointment) -> None:
    """On PostgreSQL, wait for any other booking of the same clinician, room or patient to end.

    Without this queue every concurrent booking passes its check at once, and their inserts then
    wait on each other's uncommitted rows: a pile of deadlocks that retries cannot always untangle
    (24 racers on 2 cores once left every loser with "try again"). Transaction-scoped advisory
    locks, taken in one sorted order so two bookings never deadlock on them, make each check see
    the winner. The exclusion constraints stay the last word for any path that skips this.
    """
    if connection.vendor != "postgresql":
        return  # SQLite's IMMEDIATE transaction already queues writers.
    keys = sorted(
        f"appointment:{resource}:{value}"
        for resource, value in (
            ("clinician", appointment.clinician_id),
            ("room", appointment.room_id),
            ("patient", appointment.patient_id),
        )
        if value is not None
    )
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])


def _save_without_clash(appointment: Appointment, update_fields=None) -> None:
    """Check for clashes, then save; on PostgreSQL the constraint is the last word.

    A concurrent booking may commit between our check and our insert: the constraint then waits
    for it and refuses ours. The savepoint lets us roll back and check again, and the check now
    sees the winner and names it. Two losers may also deadlock on each other's uncommitted rows;
    PostgreSQL aborts one, which retries likewise.
    """
    _queue_for(appointment)
    last = None
    for _ in range(_ATTEMPTS):
        clashes = _clashes(appointment)
        if clashes:
            raise SessionsError(clash_message(clashes), field="start")
        try:
            with transaction.atomic():
                appointment.save(update_fields=update_fields)
            return
        except (IntegrityError, OperationalError) as error:
            resource = _overlap_of(error)
            if resource is None:
                raise
            last = resource
    raise SessionsError(
        clash_message([last])
        if last in RESOURCES
        else "Another booking for this time was saved at the same moment. Please try again.",
        field="start",
    )


def _working_refusal(clinician, start: datetime, end: datetime) -> str | None:
    day = timezone.localtime(start, clinic_zone()).date()
    work = working_time(clinician, day, day)
    hours = [h for h in work.hours if h.weekday == day.weekday()]
    code = scheduling.refusal(
        start,
        end,
        tz=clinic_zone(),
        hours=hours,
        days_off=work.days_off,
        closed_days=work.closed,
    )
    if code is None:
        return None
    when = f"{day:%a %b} {day.day}"
    if code == scheduling.CLOSED:
        return f"The clinic is closed on {when}."
    if code == scheduling.DAY_OFF:
        return f"{clinician} is off on {when}."
    if not hours:
        return f"{clinician} has no working hours on {day:%A}s."
    blocks = ", ".join(
        f"{h.starts:%H:%M}–{h.ends:%H:%M}" for h in sorted(hours, key=lambda h: h.starts)
    )
    return f"This time is outside {clinician}'s hours on {day:%A}s ({blocks})."


def _open_course(patient: Patient, type_: AppointmentType) -> TreatmentCourse:
    course = (
        TreatmentCourse.objects.filter(patient=patient).exclude(phase__in=phases.CLOSED).first()
    )
    if course is None:
        raise SessionsError("This patient has no open course of treatment.")
    # Preparation may start while screening is still being decided; dosing and its integration
    # need an enrolled course. The pre-dose checklist is checked when the dose starts.
    if type_.code != AppointmentType.Code.PREPARATION and course.phase not in phases.ENROLLED:
        raise SessionsError(
            f"A {type_.name.lower()} appointment needs an enrolled course (preparation, "
            f"treatment or maintenance); this course is in "
            f"{phases.LABELS[course.phase].lower()}.",
            field="type",
        )
    return course


def _check_people_and_place(*, patient, type_, clinician, room, staff) -> None:
    if clinician.role not in CLINICIANS or not clinician.is_active:
        raise SessionsError("The attending clinician must be a therapist or prescriber.")
    if not CareTeamMember.objects.filter(patient=patient, clinician=clinician).exists():
        raise SessionsError(f"{clinician} is not on this patient's care team.", field="clinician")
    if room is None and type_.needs_room:
        raise SessionsError(f"A {type_.name.lower()} appointment needs a room.", field="room")
    if room is not None and not room.is_active:
        raise SessionsError(f"{room} is not in use.", field="room")
    for person in staff:
        if person.role not in CLINICIANS or not person.is_active:
            raise SessionsError(
                "Further staff must be active therapists or prescribers.", field="staff"
            )


def _times(start: datetime, minutes: int, type_: AppointmentType) -> tuple[datetime, datetime]:
    if timezone.is_naive(start):
        raise ValueError("start must be an aware datetime")
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise SessionsError(
            f"An appointment lasts {MIN_MINUTES} to {MAX_MINUTES} minutes.", field="minutes"
        )
    if minutes < type_.min_minutes:
        # Shorter would free the room and the clinician while the patient is still monitored.
        raise SessionsError(
            f"A {type_.name.lower()} appointment lasts at least {type_.min_minutes} minutes.",
            field="minutes",
        )
    if start < timezone.now():
        raise SessionsError("An appointment cannot start in the past.", field="start")
    if scheduling.too_far_ahead(start, timezone.now()):
        raise SessionsError("Appointments are booked at most a year ahead.", field="day")
    return start, start + timedelta(minutes=minutes)


@transaction.atomic
def appointment_book(
    *,
    by,
    patient: Patient,
    type: AppointmentType,
    clinician,
    start: datetime,
    room: Room | None = None,
    minutes: int | None = None,
    staff=(),
) -> Appointment:
    """Book an appointment in the patient's open course, inside the clinician's hours."""
    type_ = type
    if not may_book(by, patient, type_.code):
        raise SessionsError(f"You may not book {type_.name.lower()} appointments for this patient.")
    if not type_.is_active:
        raise SessionsError(f"{type_.name} appointments are not bookable.", field="type")
    course = _open_course(patient, type_)
    staff = [person for person in staff if person.pk != clinician.pk]
    _check_people_and_place(
        patient=patient, type_=type_, clinician=clinician, room=room, staff=staff
    )
    start, end = _times(start, minutes or type_.default_minutes, type_)
    problem = _working_refusal(clinician, start, end)
    if problem:
        raise SessionsError(problem, field="start")
    appointment = Appointment(
        patient=patient,
        course=course,
        type=type_,
        clinician=clinician,
        room=room,
        start=start,
        end=end,
        created_by=by,
    )
    _save_without_clash(appointment)
    appointment.staff.set(staff)
    record(
        user=by,
        action=Action.CREATE,
        patient_id=patient.pk,
        obj=appointment,
        detail={"type": type_.code},
    )
    appointment_changed.send(sender=Appointment, appointment=appointment, change="booked")
    return appointment


def _locked(appointment: Appointment, by) -> Appointment:
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("patient", "type", "clinician", "room")
        .get(pk=appointment.pk)
    )
    if not may_book(by, appointment.patient, appointment.type.code):
        raise SessionsError("You may not change this appointment.")
    return appointment


def _still_booked(appointment: Appointment, doing: str) -> None:
    if appointment.status != Appointment.Status.BOOKED:
        raise SessionsError(
            f"This appointment is {appointment.get_status_display().lower()}; "
            f"it can no longer be {doing}."
        )


@transaction.atomic
def appointment_reschedule(
    *,
    by,
    appointment: Appointment,
    start: datetime,
    clinician,
    room: Room | None,
    minutes: int | None = None,
    staff=None,
) -> Appointment:
    """Move a booked appointment (and change its clinician or room). `staff` None keeps them."""
    appointment = _locked(appointment, by)
    _still_booked(appointment, "rescheduled")
    staff_list = list(appointment.staff.all()) if staff is None else list(staff)
    staff_list = [person for person in staff_list if person.pk != clinician.pk]
    _check_people_and_place(
        patient=appointment.patient,
        type_=appointment.type,
        clinician=clinician,
        room=room,
        staff=staff_list,
    )
    start, end = _times(start, minutes or appointment.minutes, appointment.type)
    problem = _working_refusal(clinician, start, end)
    if problem:
        raise SessionsError(problem, field="start")
    changed = [
        name
        for name, old, new in (
            ("start", appointment.start, start),
            ("end", appointment.end, end),
            ("clinician", appointment.clinician_id, clinician.pk),
            ("room", appointment.room_id, room.pk if room else None),
        )
        if old != new
    ]
    appointment.start, appointment.end = start, end
    appointment.clinician, appointment.room = clinician, room
    _save_without_clash(appointment, update_fields=["start", "end", "clinician", "room"])
    if staff is not None:
        appointment.staff.set(staff_list)
        changed.append("staff")
    record(
        user=by,
        action=Action.CHANGE,
        patient_id=appointment.patient_id,
        obj=appointment,
        detail={"fields": changed},
    )
    appointment_changed.send(sender=Appointment, appointment=appointment, change="moved")
    return appointment


def _set_status(appointment: Appointment, by, status: str, detail: dict | None = None):
    appointment.status = status
    appointment.status_changed_at = timezone.now()
    appointment.status_changed_by = by
    appointment.save(
        update_fields=["status", "cancel_reason", "status_changed_at", "status_changed_by"]
    )
    record(
        user=by,
        action=Action.CHANGE,
        patient_id=appointment.patient_id,
        obj=appointment,
        detail={"status": status, **(detail or {})},
    )
    appointment_changed.send(sender=Appointment, appointment=appointment, change=status)
    return appointment


@transaction.atomic
def appointment_cancel(*, by, appointment: Appointment, reason: str) -> Appointment:
    appointment = _locked(appointment, by)
    _still_booked(appointment, "cancelled")
    reason = (reason or "").strip()
    if not reason:
        raise SessionsError("Cancelling an appointment needs a reason.", field="reason")
    if appointment.end <= timezone.now():
        raise SessionsError(
            "This appointment is over: mark it completed or a no-show instead of cancelling it."
        )
    appointment.cancel_reason = reason
    return _set_status(appointment, by, Appointment.Status.CANCELLED)


@transaction.atomic
def appointment_mark_no_show(*, by, appointment: Appointment) -> Appointment:
    appointment = _locked(appointment, by)
    _still_booked(appointment, "marked a no-show")
    if appointment.start > timezone.now():
        raise SessionsError("An appointment that has not started cannot be a no-show.")
    return _set_status(appointment, by, Appointment.Status.NO_SHOW)


@transaction.atomic
def appointment_complete(*, by, appointment: Appointment) -> Appointment:
    """Mark a preparation or integration appointment held. Only a clinician on the care team
    does; a dose's own lifecycle (started, discharged) belongs to the dosing work."""
    appointment = _locked(appointment, by)
    if by.role not in CLINICIANS:
        raise SessionsError("Only a therapist or prescriber can mark an appointment completed.")
    _still_booked(appointment, "completed")
    if appointment.start > timezone.now():
        raise SessionsError("An appointment that has not started cannot be completed.")
    return _set_status(appointment, by, Appointment.Status.COMPLETED)


# What a dose's change does to its appointment, and from which statuses (a dose started before
# appointments followed their doses is still booked when it finishes).
_DOSE_FOLLOWS = {
    Appointment.Status.IN_PROGRESS: (Appointment.Status.BOOKED,),
    Appointment.Status.COMPLETED: (Appointment.Status.BOOKED, Appointment.Status.IN_PROGRESS),
}


@transaction.atomic
def appointment_follow_dose(*, by, appointment: Appointment, status: str) -> Appointment:
    """The dosing appointment follows its dose: in progress when the dose starts, completed when
    it is discharged or ended early. Called only by the dose's services, inside their
    transaction on the locked dose (they have checked who may chart it), so the appointment and
    the dose change together or not at all. An in-progress appointment still holds its slot
    (only cancelled and no-show free one) and can no longer be cancelled, moved or marked."""
    appointment = Appointment.objects.select_for_update(of=("self",)).get(pk=appointment.pk)
    if appointment.status not in _DOSE_FOLLOWS[status]:
        raise SessionsError(
            f"The appointment is {appointment.get_status_display().lower()}: it cannot follow "
            "the dose."
        )
    return _set_status(appointment, by, status)


# --- Calendar feeds -------------------------------------------------------------------------------


def feed_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_feed_issue(*, by) -> tuple[CalendarFeed, str]:
    """Give `by` a new secret feed address, revoking the old one. Returns (feed, token): the
    token is shown once and never stored."""
    if by.role not in CLINICIANS:
        raise SessionsError("Calendar feeds are for therapists and prescribers.")
    calendar_feed_revoke(by=by)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(clinician=by, token_hash=feed_token_hash(token))
    record(user=by, action=Action.CREATE, obj=feed)
    return feed, token


@transaction.atomic
def calendar_feed_revoke(*, by) -> int:
    """Revoke `by`'s live feed, if any. Returns how many were revoked (0 or 1)."""
    live = list(CalendarFeed.objects.select_for_update().filter(clinician=by, revoked_at=None))
    for feed in live:
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at"])
        record(user=by, action=Action.CHANGE, obj=feed, detail={"revoked": True})
    return len(live)
