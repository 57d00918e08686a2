"""The demo clinic's schedule: rooms, hours, closed days and the coming week's appointments.

Called by `seed_demo` after the patients exist. Idempotent: rooms, hours and closed days are
created once; appointments only when there are none yet. Every appointment is booked through
`appointment_book` by the front desk, at the first time the slot search proposes, so the seed
obeys the same hours and clash rules as a person would.
"""

from datetime import date, time, timedelta

from django.utils import timezone

from patients import phases
from patients.models import Patient
from sessions import selectors
from sessions.models import Appointment, AppointmentType, ClinicClosedDay, ClinicianHours, Room
from sessions.services import appointment_book

ROOMS = ["Sage", "Cedar", "Willow"]
DOSING_ROOMS = ROOMS[:2]
TALKING_ROOM = ROOMS[2]
# username: [(weekdays, starts, ends), ...] in clinic local time
HOURS = {
    "therapist": [(range(5), "08:30", "12:30"), (range(5), "13:30", "17:30")],
    "therapist2": [(range(4), "09:00", "17:00")],
    "prescriber": [(range(5), "08:00", "16:00")],
}


def _hours(users):
    for username, blocks in HOURS.items():
        for weekdays, starts, ends in blocks:
            for weekday in weekdays:
                ClinicianHours.objects.get_or_create(
                    clinician=users[username],
                    weekday=weekday,
                    starts=time.fromisoformat(starts),
                    defaults={"ends": time.fromisoformat(ends)},
                )


def _closed_days(today: date):
    for month, day, reason in [(1, 1, "New Year's Day"), (12, 25, "Christmas Day")]:
        closed = date(today.year, month, day)
        if closed < today:
            closed = closed.replace(year=today.year + 1)
        ClinicClosedDay.objects.get_or_create(day=closed, defaults={"reason": reason})


def _book_first_free(*, desk, patient, code, clinician, room, from_day, staff=()):
    """Book at the first proposed time from `from_day` on; None when nothing is free."""
    type_ = AppointmentType.objects.get(code=code)
    slots = selectors.proposals(
        patient=patient,
        clinician=clinician,
        room=room,
        minutes=type_.default_minutes,
        earliest=selectors.day_bounds(from_day)[0],
        count=1,
        per_day=None,
    )
    if not slots:
        return None
    return appointment_book(
        by=desk,
        patient=patient,
        type=type_,
        clinician=clinician,
        start=slots[0].start,
        room=room,
        staff=staff,
    )


def _series(desk, patient, primary, prescriber, rooms, index, today, doses):
    """Twice-weekly doses with an integration follow-up 1-3 days after each (DESIGN.md)."""
    day = today + timedelta(days=1 + index % 2)
    for _ in range(doses):
        dose = _book_first_free(
            desk=desk,
            patient=patient,
            code=AppointmentType.Code.DOSING,
            clinician=primary,
            room=rooms[DOSING_ROOMS[index % 2]],
            from_day=day,
            staff=[prescriber],
        )
        if dose is None:
            return
        dose_day = timezone.localtime(dose.start).date()
        _book_first_free(
            desk=desk,
            patient=patient,
            code=AppointmentType.Code.INTEGRATION,
            clinician=primary,
            room=rooms[TALKING_ROOM] if index % 2 else None,  # every other one by telehealth
            from_day=dose_day + timedelta(days=1),
        )
        day = dose_day + timedelta(days=3)


def seed_schedule(users) -> int:
    """Create the demo schedule; returns how many appointments were booked."""
    rooms = {name: Room.objects.get_or_create(name=name)[0] for name in ROOMS}
    _hours(users)
    today = selectors.local_today()
    _closed_days(today)
    if Appointment.objects.exists():
        return 0
    desk, prescriber = users["frontdesk"], users["prescriber"]
    patients = (
        Patient.objects.filter(courses__phase__in=sorted(phases.ENROLLED))
        .prefetch_related("care_team__clinician", "courses")
        .order_by("created_at")
    )
    for index, patient in enumerate(patients):
        phase = next(c.phase for c in patient.courses.all() if c.is_open)
        primary = next((m.clinician for m in patient.care_team.all() if m.primary), None)
        if primary is None:
            continue
        if phase == phases.PREPARATION:
            _book_first_free(
                desk=desk,
                patient=patient,
                code=AppointmentType.Code.PREPARATION,
                clinician=primary,
                room=rooms[TALKING_ROOM],
                from_day=today + timedelta(days=index % 3),
            )
        else:
            doses = 2 if phase == phases.TREATMENT else 1  # maintenance: a booster
            _series(desk, patient, primary, prescriber, rooms, index, today, doses)
    return Appointment.objects.count()
