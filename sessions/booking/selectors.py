"""Reads for scheduling pages: each costs a fixed number of queries whatever the data size."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.roles import CLINICIANS, Role
from patients.access import Access, patients_for
from patients.models import TreatmentCourse
from sessions.booking import rules as scheduling
from sessions.booking.access import DESK, bookable_codes
from sessions.models import (
    INACTIVE,
    Appointment,
    AppointmentType,
    ClinicClosedDay,
    ClinicianDayOff,
    ClinicianHours,
)

FEED_PAST_DAYS = 30
FEED_FUTURE_DAYS = 180


def clinic_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_today() -> date:
    return timezone.localtime(timezone.now(), clinic_zone()).date()


def day_bounds(first_day: date, days: int = 1) -> tuple[datetime, datetime]:
    """The UTC instants of local midnight at the start of `first_day` and `days` later."""
    tz = clinic_zone()
    return (
        scheduling.local_instant(first_day, time(0), tz),
        scheduling.local_instant(first_day + timedelta(days=days), time(0), tz),
    )


# No appointment lasts longer than this (the booking service's MAX_MINUTES, 600): a window's
# query bounds `start` from below too, so the index on `start` is used instead of reading every
# past appointment (issue 21).
LONGEST = timedelta(minutes=600)


def overlapping(start: datetime, end: datetime) -> QuerySet[Appointment]:
    """Appointments overlapping [start, end), found through the index on `start`."""
    return Appointment.objects.filter(start__gte=start - LONGEST, start__lt=end, end__gt=start)


def _with_people(appointments: QuerySet[Appointment]) -> QuerySet[Appointment]:
    return appointments.select_related("patient", "type", "room", "clinician")


# --- Working time and free slots ------------------------------------------------------------------


@dataclass
class WorkingTime:
    """A clinician's weekly hours and the dates they do not work, in one window."""

    hours: list[scheduling.Hours]
    days_off: set[date]
    closed: dict[date, str]


def working_time(clinician, first_day: date, last_day: date) -> WorkingTime:
    hours = [
        scheduling.Hours(h.weekday, h.starts, h.ends)
        for h in ClinicianHours.objects.filter(clinician=clinician)
    ]
    days_off = set()
    for first, last in ClinicianDayOff.objects.filter(
        clinician=clinician, first_day__lte=last_day, last_day__gte=first_day
    ).values_list("first_day", "last_day"):
        days_off.update(first + timedelta(days=n) for n in range((last - first).days + 1))
    closed = dict(
        ClinicClosedDay.objects.filter(day__gte=first_day, day__lte=last_day).values_list(
            "day", "reason"
        )
    )
    return WorkingTime(hours, days_off, closed)


def proposals(
    *,
    patient,
    clinician,
    room,
    minutes: int,
    earliest: datetime | None = None,
    count: int = 6,
    per_day: int | None = 2,
    exclude: Appointment | None = None,
) -> list[scheduling.Slot]:
    """The next free slots for this clinician, room and patient together, inside the
    clinician's hours (the booking form's proposals)."""
    now = timezone.now()
    earliest = max(earliest or now, now)
    first_day = timezone.localtime(earliest, clinic_zone()).date()
    last_day = first_day + timedelta(days=scheduling.HORIZON_DAYS)
    work = working_time(clinician, first_day, last_day)
    window_start, window_end = day_bounds(first_day, scheduling.HORIZON_DAYS + 1)
    whose = Q(clinician=clinician) | Q(patient=patient)
    if room is not None:
        whose |= Q(room=room)
    busy = overlapping(window_start, window_end).filter(whose).exclude(status__in=INACTIVE)
    if exclude is not None:
        busy = busy.exclude(pk=exclude.pk)
    return scheduling.free_slots(
        tz=clinic_zone(),
        hours=work.hours,
        minutes=minutes,
        earliest=earliest,
        busy=list(busy.values_list("start", "end")),
        days_off=work.days_off | set(work.closed),
        count=count,
        per_day=per_day,
    )


# --- Who sees what --------------------------------------------------------------------------------


def mark_visibility(user, appointments: list[Appointment]) -> list[Appointment]:
    """Set `show_patient` (the name) and `show_clinical` (links into the record) on each.

    Front desk and administrators see every appointment with the patient's name but nothing
    clinical; others see the names of the patients they may see, and only "busy" otherwise.
    """
    ids = {a.patient_id for a in appointments}
    named, clinical = set(), set()
    if ids:
        for action, into in ((Access.VIEW_DEMOGRAPHICS, named), (Access.VIEW_RECORD, clinical)):
            into.update(patients_for(user, action).filter(pk__in=ids).values_list("pk", flat=True))
    for appointment in appointments:
        appointment.show_patient = appointment.patient_id in named
        appointment.show_clinical = appointment.patient_id in clinical
    return appointments


def shown_patient_ids(appointments) -> list[str]:
    """For the audit event of a page: the patients whose names it showed."""
    return sorted({str(a.patient_id) for a in appointments if a.show_patient})


# --- Calendars ------------------------------------------------------------------------------------


@dataclass
class CalendarDay:
    day: date
    appointments: list[Appointment] = field(default_factory=list)
    hours: list[tuple[time, time]] = field(default_factory=list)
    off: bool = False
    closed: str | None = None  # the reason, "" when none was given

    @property
    def is_today(self) -> bool:
        return self.day == local_today()


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def calendar(user, *, first_day: date, days: int, clinician=None, room=None) -> list[CalendarDay]:
    """Days of one clinician's (attending or further staff) or one room's appointments, with
    the clinician's hours. Cancelled appointments are left out; no-shows stay."""
    start, end = day_bounds(first_day, days)
    appointments = overlapping(start, end).exclude(status=Appointment.Status.CANCELLED)
    if clinician is not None:
        assisting = Appointment.staff.through.objects.filter(user=clinician).values(
            "appointment_id"
        )
        appointments = appointments.filter(Q(clinician=clinician) | Q(pk__in=assisting))
    else:
        appointments = appointments.filter(room=room)
    appointments = mark_visibility(user, list(_with_people(appointments).prefetch_related("staff")))
    calendar_days = {
        first_day + timedelta(days=n): CalendarDay(first_day + timedelta(days=n))
        for n in range(days)
    }
    tz = clinic_zone()
    for appointment in appointments:
        local_day = timezone.localtime(appointment.start, tz).date()
        if local_day in calendar_days:
            calendar_days[local_day].appointments.append(appointment)
    if clinician is not None:
        work = working_time(clinician, first_day, first_day + timedelta(days=days - 1))
        for cal_day in calendar_days.values():
            cal_day.hours = sorted(
                (h.starts, h.ends) for h in work.hours if h.weekday == cal_day.day.weekday()
            )
            cal_day.off = cal_day.day in work.days_off
            cal_day.closed = work.closed.get(cal_day.day)
    else:
        closed = dict(
            ClinicClosedDay.objects.filter(
                day__gte=first_day, day__lt=first_day + timedelta(days)
            ).values_list("day", "reason")
        )
        for cal_day in calendar_days.values():
            cal_day.closed = closed.get(cal_day.day)
    return list(calendar_days.values())


def working_week(cal_days: list[CalendarDay]) -> list[CalendarDay]:
    """Monday to Friday, and a weekend day only when it has hours or appointments."""
    return [d for d in cal_days if d.day.weekday() < 5 or d.hours or d.appointments]


def today_for(user) -> list[Appointment]:
    """Today's appointments where `user` attends or is further staff, cancelled ones left out."""
    start, end = day_bounds(local_today())
    assisting = Appointment.staff.through.objects.filter(user=user).values("appointment_id")
    appointments = (
        overlapping(start, end)
        .filter(Q(clinician=user) | Q(pk__in=assisting))
        .exclude(status=Appointment.Status.CANCELLED)
    )
    return mark_visibility(user, list(_with_people(appointments)))


def today_at_clinic(user) -> list[Appointment]:
    """Every appointment today (the front desk's list), cancelled ones left out."""
    start, end = day_bounds(local_today())
    appointments = overlapping(start, end).exclude(status=Appointment.Status.CANCELLED)
    return mark_visibility(user, list(_with_people(appointments)))


def for_patient(user, patient) -> tuple[list[Appointment], list[Appointment]]:
    """One patient's appointments: (not yet over, soonest first; past, latest first). In one
    query: a patient has dozens of appointments, not thousands."""
    appointments = mark_visibility(
        user, list(_with_people(patient.appointments.all()).prefetch_related("staff"))
    )
    now = timezone.now()
    upcoming = [a for a in appointments if a.end > now]
    past = [a for a in reversed(appointments) if a.end <= now]
    return upcoming, past


# --- The treatment series -------------------------------------------------------------------------


@dataclass
class Dose:
    number: int | None  # counted among doses held or planned; None for cancelled or no-show
    appointment: Appointment
    follow_ups: list[Appointment] = field(default_factory=list)


@dataclass
class Series:
    course: TreatmentCourse
    preparation: list[Appointment]
    doses: list[Dose]
    done: int
    planned: int


def series(course: TreatmentCourse) -> Series:
    """A course's appointments as a series: preparation sessions, then each dose with the
    integration appointments between it and the next dose as its follow-ups."""
    appointments = list(_with_people(course.appointments.all()).prefetch_related("staff"))
    preparation, doses = [], []
    number = 0
    for appointment in appointments:
        code = appointment.type.code
        if code == AppointmentType.Code.PREPARATION:
            preparation.append(appointment)
        elif code == AppointmentType.Code.DOSING:
            counted = appointment.status in (
                Appointment.Status.BOOKED,
                Appointment.Status.IN_PROGRESS,
                Appointment.Status.COMPLETED,
            )
            number += counted
            doses.append(Dose(number if counted else None, appointment))
        elif doses:
            doses[-1].follow_ups.append(appointment)
        else:
            preparation.append(appointment)  # integration before any dose: rare, kept visible
    statuses = [d.appointment.status for d in doses]
    return Series(
        course=course,
        preparation=preparation,
        doses=doses,
        done=statuses.count(Appointment.Status.COMPLETED),
        planned=statuses.count(Appointment.Status.BOOKED),
    )


# --- The calendar feed ----------------------------------------------------------------------------


def for_feed(clinician) -> list[Appointment]:
    now = timezone.now()
    assisting = Appointment.staff.through.objects.filter(user=clinician).values("appointment_id")
    return list(
        Appointment.objects.filter(Q(clinician=clinician) | Q(pk__in=assisting))
        .filter(
            start__gte=now - timedelta(days=FEED_PAST_DAYS),
            start__lt=now + timedelta(days=FEED_FUTURE_DAYS),
        )
        .exclude(status__in=INACTIVE)
        .select_related("patient", "type", "room")
    )


def clinicians() -> QuerySet[User]:
    return User.objects.filter(role__in=sorted(CLINICIANS), is_active=True)


def is_desk(user) -> bool:
    return getattr(user, "role", None) in DESK


def bookable_types(user) -> QuerySet[AppointmentType]:
    """The appointment types `user`'s role may book (the form's choices, the "Book …" buttons)."""
    return AppointmentType.objects.filter(
        is_active=True, code__in=sorted(bookable_codes(user.role))
    )


def today_list(user) -> list[Appointment] | None:
    """The "today" list of a home page: a clinician's own, the whole clinic's for the front desk;
    None for roles whose home page has none."""
    if user.role in CLINICIANS:
        return today_for(user)
    if user.role == Role.FRONTDESK:
        return today_at_clinic(user)
    return None
