"""The demo clinic's sessions: rooms, hours, closed days and the coming week's appointments
(`seed_schedule`), then consent, preparation records, in-clinic questionnaires and notes
(`seed_records`, which needs the patients and their appointments).

`seed_schedule` is called by `seed_demo` after the patients exist. Idempotent: rooms, hours and
closed days are created once; appointments only when there are none yet. Every appointment is
booked through `appointment_book` by the front desk, at the first time the slot search
proposes, so the seed obeys the same hours and clash rules as a person would.

`seed_records` is idempotent: it does nothing once a consent signature exists. Every write goes
through the services, except the past preparation appointments of patients already in treatment:
the booking service refuses the past, so that history is written directly, as an import of past
records would be.

`seed_doses` (after the stock exists) gives a few patients in treatment a dose in the past days
and one a dose in progress now, every step through the dosing services on a `DemoClock`: while
it runs, `django.utils.timezone.now` reads the clock, so each service checks and stamps its
write at the moment the history happened (a dose is only started on its appointment's day, a
reading never dated in the future). Idempotent: nothing once any dose was started.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from unittest import mock

from django.db import transaction
from django.utils import timezone

from patients import phases
from patients.models import Patient, PhaseChange, TreatmentCourse
from sessions.booking import rules as scheduling
from sessions.booking import selectors
from sessions.booking.services import appointment_book
from sessions.consent import services as consent
from sessions.dosing import administration, monitoring
from sessions.dosing import services as dosing
from sessions.models import (
    Appointment,
    AppointmentType,
    ChecklistItem,
    ClinicClosedDay,
    ClinicianHours,
    ConsentSignature,
    Dose,
    Lot,
    Room,
)
from sessions.notes import services as notes
from sessions.preparation import services as preparation
from sessions.questionnaires import services as questionnaires

ROOMS = ["Sage", "Cedar", "Willow"]
DOSING_ROOMS = ROOMS[:2]
TALKING_ROOM = ROOMS[2]
# username: [(weekdays, starts, ends), ...] in clinic local time
HOURS = {
    "therapist": [(range(5), "08:30", "12:30"), (range(5), "13:30", "17:30")],
    "therapist2": [(range(4), "09:00", "17:00")],
    "prescriber": [(range(5), "08:00", "16:00")],
}


def enter_treatment_as_history(course: TreatmentCourse, *, by, reason: str) -> TreatmentCourse:
    """History for the demo: a course whose first dose was given before the clinic's records
    begin. Only a dose start moves a course into treatment, and there is no dose to start, so
    the phase and its `PhaseChange` are written directly, in one transaction, as an import of
    past records would be (PostgreSQL's trigger wants the row with the phase)."""
    with transaction.atomic():
        PhaseChange.objects.create(
            course=course, from_phase=course.phase, to_phase=phases.TREATMENT, by=by, reason=reason
        )
        TreatmentCourse.objects.filter(pk=course.pk).update(phase=phases.TREATMENT)
    course.phase = phases.TREATMENT
    return course


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


CONSENT_TEXT = """\
Informed consent for ketamine-assisted psychotherapy (demo text)

1. What the treatment is. Ketamine (or esketamine) is given in the clinic by a prescriber, in a \
quiet room, within a course of psychotherapy: preparation sessions, dosing sessions with at least \
two hours of monitoring, and integration sessions one to three days after each dose.

2. Effects and risks. During a dose you may feel detached from your body or surroundings \
(dissociation), dizzy or nauseous; your blood pressure and heart rate usually rise for about an \
hour. Rarely: vomiting, agitation, confusing or frightening experiences, breathing problems. \
Frequent use outside medical care can harm the bladder and lead to misuse.

3. Before each dose. No food for 4 hours and no liquids for 2 hours before. Tell us about every \
medication and any change in your health. We check your blood pressure: at a high reading there \
is no dose that day.

4. After each dose. A named adult escort takes you home. You do not drive, operate machinery or \
make major decisions until the next day after sleep.

5. Your choices. You may ask questions at any time, stop a session, or withdraw this consent; \
withdrawing does not affect the rest of your care. Your records are kept private as the law \
requires.
"""

GOALS = [
    ("Lift the low mood that has lasted since spring.", "Openness; self-compassion."),
    ("Sleep through the night; worry less about work.", "Letting go of control."),
    ("Reconnect with family; fewer ruminative evenings.", "Curiosity about what comes up."),
]
ESCORTS = [("Marco Reyes", "spouse", "555-0198"), ("Ana Silva", "friend", "555-0311")]
PHQ9_ANSWERS = [[2, 2, 1, 2, 1, 1, 1, 0, 0], [1, 1, 1, 1, 0, 1, 0, 0, 0]]
CSSRS_NONE = {"q1": False, "q2": False, "q3": None, "q4": None, "q5": None, "q6": False}


def _past_preparation(patient, course, clinician, days_ago: int) -> Appointment:
    """A preparation session held `days_ago` days ago at 10:00 clinic time (history)."""
    day = selectors.local_today() - timedelta(days=days_ago)
    start = scheduling.local_instant(day, time(10, 0), selectors.clinic_zone())
    type_ = AppointmentType.objects.get(code=AppointmentType.Code.PREPARATION)
    existing = Appointment.objects.filter(patient=patient, type=type_, start=start).first()
    if existing is not None:
        return existing
    return Appointment.objects.create(
        patient=patient,
        course=course,
        type=type_,
        clinician=clinician,
        room=Room.objects.filter(is_active=True).order_by("name").last(),
        start=start,
        end=start + timedelta(minutes=type_.default_minutes),
        status=Appointment.Status.COMPLETED,
        status_changed_at=start + timedelta(minutes=type_.default_minutes),
        status_changed_by=clinician,
        created_by=clinician,
    )


def _prepare(index, appointment, clinician, *, complete: bool):
    goals, intentions = GOALS[index % len(GOALS)]
    escort_name, relationship, phone = ESCORTS[index % len(ESCORTS)]
    record = preparation.preparation_save(
        by=clinician,
        appointment=appointment,
        goals=goals,
        intentions=intentions,
        expectations="Explained dissociation, nausea and the first hour's rise in blood pressure.",
        fasting_instructions_given=True,
        medication_adjustments="No change needed."
        if index % 2
        else "Hold lamotrigine on dose days.",
        escort_name=escort_name if complete or index % 2 else "",
        escort_relationship=relationship if complete or index % 2 else "",
        escort_phone=phone if complete or index % 2 else "",
    )
    if complete:
        preparation.preparation_complete(by=clinician, record=record)
    return record


def _note(appointment, clinician, text: str, *, addendum: str = ""):
    note = notes.note_create(by=clinician, appointment=appointment, text=text)
    note = notes.note_sign(by=clinician, note=note)
    if addendum:
        notes.addendum_add(by=clinician, note=note, text=addendum)
    return note


def seed_records(users) -> int:
    """Consent v1 for the clinic; for enrolled patients, signatures, preparation records,
    questionnaires and notes. Returns how many patients were given records."""
    if ConsentSignature.objects.exists():
        return 0
    admin = users["admin"]
    version = consent.current_version()
    if version is None:
        draft = consent.consent_version_create(by=admin, text=CONSENT_TEXT)
        version = consent.consent_version_publish(by=admin, version=draft)
    patients = (
        Patient.objects.filter(courses__phase__in=sorted(phases.ENROLLED))
        .prefetch_related("care_team__clinician", "courses")
        .order_by("created_at")
        .distinct()
    )
    seeded = 0
    for index, patient in enumerate(patients):
        course = next(c for c in patient.courses.all() if c.is_open)
        primary = next((m.clinician for m in patient.care_team.all() if m.primary), None)
        if primary is None:
            continue
        seeded += 1
        if course.phase == phases.PREPARATION:
            # Preparing: a draft record on the coming session; half have signed consent already.
            upcoming = course.appointments.filter(
                type__code=AppointmentType.Code.PREPARATION, status=Appointment.Status.BOOKED
            ).first()
            if upcoming is not None:
                _prepare(index, upcoming, primary, complete=False)
            if index % 2 == 0:
                _sign(patient, version, primary)
            continue
        # One past day per patient, so no clinician or room holds two sessions at once.
        held = _past_preparation(patient, course, primary, days_ago=10 + index)
        _prepare(index, held, primary, complete=True)
        _note(
            held,
            primary,
            "Preparation session. Reviewed goals and intentions, the consent, fasting and the "
            "escort. Patient engaged and hopeful; no safety concerns today.",
            addendum="Addendum: the patient called to confirm the escort's new phone number."
            if index % 4 == 0
            else "",
        )
        _sign(patient, version, primary)
        if course.phase == phases.TREATMENT:
            for code, answers in (("phq9", PHQ9_ANSWERS[index % 2]), ("cssrs", CSSRS_NONE)):
                questionnaires.questionnaire_save(
                    by=primary, patient=patient, code=code, answers=answers, complete=True
                )
        elif index % 3 == 0:
            consent.consent_withdraw(
                by=primary,
                patient=patient,
                reason="Wishes to pause treatment for now (demo).",
            )
        if patient.user_id is not None:
            notes.note_create(
                by=primary,
                appointment=held,
                kind=notes.PSYCHOTHERAPY,
                text="Process note (private): themes of control and grief; revisit next time.",
            )
    return seeded


def _sign(patient, version, clinician):
    consent.consent_sign(
        by=clinician,
        patient=patient,
        version=version,
        typed_name=f"{patient.first_name} {patient.last_name}",
        shown_sha256=version.text_sha256,
        understood=True,
        ip="127.0.0.1",
    )


# --- Doses: history through the services, on a clock ------------------------------------------


class DemoClock:
    """While entered, `django.utils.timezone.now()` answers `clock.at` (and so does every
    `localdate()`, `auto_now` field and service check that reads it). Demo seeding only."""

    def __init__(self, at: datetime):
        self.at = at

    def __enter__(self):
        self._patch = mock.patch("django.utils.timezone.now", lambda: self.at)
        self._patch.start()
        return self

    def __exit__(self, *exc):
        self._patch.stop()

    def wait(self, minutes: int) -> datetime:
        self.at += timedelta(minutes=minutes)
        return self.at


WEIGHT_KG = Decimal("70")
DOSE_MG = Decimal("35")  # 0.5 mg/kg IM
# (minutes after the start, moment, systolic, diastolic, heart rate, SpO2, respiratory rate)
READINGS = [
    (15, "during", 134, 84, 80, 97, 14),
    (40, "peak", 142, 88, 84, 97, 14),
    (75, "during", 132, 82, 76, 98, 14),
    (120, "discharge", 128, 80, 72, 98, 14),
]


def _working_day(clinician, before: date, weekdays=range(5)) -> date:
    """The latest day on or before `before` that `clinician` works (and, from `weekdays`)."""
    worked = set(
        ClinicianHours.objects.filter(clinician=clinician).values_list("weekday", flat=True)
    )
    closed = set(ClinicClosedDay.objects.values_list("day", flat=True))
    day = before
    while day.weekday() not in worked & set(weekdays) or day in closed:
        day -= timedelta(days=1)
    return day


def _prepare_dose(clock, *, appointment, therapist, prescriber, index) -> Dose:
    """Before the start: today's questionnaires, the checklist, the order, a pre-dose reading."""
    patient = appointment.patient
    for code, answers in (("phq9", PHQ9_ANSWERS[index % 2]), ("cssrs", CSSRS_NONE)):
        questionnaires.questionnaire_save(
            by=therapist, patient=patient, code=code, answers=answers, complete=True
        )
    dose = dosing.dose_prepare(by=therapist, appointment=appointment)
    for item in ChecklistItem.Item.values:
        dosing.checklist_check(by=therapist, dose=dose, item=item)
    dosing.dose_order(
        by=prescriber,
        dose=dose,
        drug=Dose.Drug.KETAMINE,
        route=Dose.Route.IM,
        dose_mg=DOSE_MG,
        weight_kg=WEIGHT_KG,
        order_text="Ketamine 0.5 mg/kg IM (35 mg at 70 kg).",
    )
    clock.wait(5)
    monitoring.vitals_record(
        by=therapist,
        dose=dose,
        moment="pre_dose",
        systolic=124 + index,
        diastolic=78,
        heart_rate=72,
        spo2=98,
        respiratory_rate=14,
    )
    return dose


def _start(clock, dose, *, by, lot) -> Dose:
    """Two minutes after the appointment's start: the dose starts and its Schedule III lines
    draw from the lot."""
    clock.at = dose.appointment.start + timedelta(minutes=2)
    dose = dosing.dose_start(by=by, dose=dose)
    return administration.administration_record(
        by=by, dose=dose, lot=lot, quantity_drawn_mg=DOSE_MG, quantity_given_mg=DOSE_MG
    )


def _monitor(clock, dose, *, by, started: datetime, until: datetime, nausea: bool) -> None:
    """The readings of the session up to `until` (never in the future), at their minutes."""
    for minutes, moment, systolic, diastolic, heart, spo2, resp in READINGS:
        at = started + timedelta(minutes=minutes)
        if at > until:
            return
        clock.at = at
        monitoring.vitals_record(
            by=by,
            dose=dose,
            moment=moment,
            systolic=systolic,
            diastolic=diastolic,
            heart_rate=heart,
            spo2=spo2,
            respiratory_rate=resp,
        )
        if nausea and moment == "peak":
            monitoring.adverse_event_record(
                by=by,
                dose=dose,
                kind="nausea",
                severity="mild",
                action_taken="observed",
                notes="Settled within 20 minutes without treatment.",
            )


def give_dose(*, desk, patient, day: date, therapist, prescriber, room, lot, index: int) -> Dose:
    """A dose given and discharged on `day`, booked at the first free time from 08:00 that
    day, through the booking and dosing services."""
    zone = selectors.clinic_zone()
    with DemoClock(scheduling.local_instant(day, time(7, 30), zone)) as clock:
        appointment = _book_first_free(
            desk=desk,
            patient=patient,
            code=AppointmentType.Code.DOSING,
            clinician=therapist,
            room=room,
            from_day=day,
            staff=[prescriber],
        )
        if appointment is None or timezone.localtime(appointment.start, zone).date() != day:
            return None  # that day was full: no history for this patient
        clock.at = appointment.start - timedelta(minutes=20)
        dose = _prepare_dose(
            clock, appointment=appointment, therapist=therapist, prescriber=prescriber, index=index
        )
        dose = _start(clock, dose, by=prescriber, lot=lot)
        dosing.dose_update_notes(
            by=therapist, dose=dose, dissociation=4 + index % 3, setting_notes="Eye shades, music."
        )
        _monitor(
            clock,
            dose,
            by=therapist,
            started=dose.started_at,
            until=clock.at + timedelta(hours=3),
            nausea=index % 2 == 1,
        )
        clock.at = dose.started_at + timedelta(minutes=125)
        return dosing.dose_discharge(
            by=therapist,
            dose=dose,
            alert_and_oriented=True,
            walking_steadily=True,
            escort_present=True,
            no_driving_acknowledged=True,
        )


def start_dose_now(*, patient, therapist, prescriber, room, lot, index: int) -> Dose | None:
    """A dose in progress now, started about 50 minutes ago (today): "In clinic now". Its
    appointment is written directly, at whatever hour the demo is seeded (the booking service
    refuses the past and the hours may be over), then everything else goes through the
    services. The prescriber attends it (the therapist assists): nothing else seeded books
    the prescriber, so it clashes with no appointment booked today."""
    now = timezone.now()
    midnight = selectors.day_bounds(selectors.local_today())[0]
    start = max(now - timedelta(minutes=50), midnight + timedelta(minutes=20))
    if start > now:
        return None  # just after midnight: nothing can have started today yet
    type_ = AppointmentType.objects.get(code=AppointmentType.Code.DOSING)
    appointment = Appointment.objects.create(
        patient=patient,
        course=patient.courses.exclude(phase__in=sorted(phases.CLOSED)).get(),
        type=type_,
        clinician=prescriber,
        room=room,
        start=start,
        end=start + timedelta(minutes=type_.default_minutes),
        created_by=prescriber,
    )
    appointment.staff.add(therapist)
    with DemoClock(start - timedelta(minutes=20)) as clock:
        dose = _prepare_dose(
            clock, appointment=appointment, therapist=therapist, prescriber=prescriber, index=index
        )
        dose = _start(clock, dose, by=prescriber, lot=lot)
        _monitor(clock, dose, by=therapist, started=dose.started_at, until=now, nausea=False)
    return dose


# Days before today of each history dose, for the first patients in treatment; the next one is
# dosing now.
HISTORY_DAYS_AGO = [6, 2, 1]


def seed_doses(users) -> tuple[list[Dose], Dose | None]:
    """Finished doses in the past days and one in progress now; returns (finished, in progress).
    Nothing (([], None)) once any dose was started."""
    if Dose.objects.exclude(status=Dose.Status.BOOKED).exists():
        return [], None
    lot = Lot.objects.filter(number="K2231").first()
    if lot is None:
        return [], None
    prescriber = users["prescriber"]
    rooms = {room.name: room for room in Room.objects.filter(name__in=DOSING_ROOMS)}
    patients = list(
        Patient.objects.filter(courses__phase=phases.TREATMENT)
        .prefetch_related("care_team__clinician")
        .order_by("created_at")[: len(HISTORY_DAYS_AGO) + 1]
    )
    finished, today = [], selectors.local_today()
    for index, patient in enumerate(patients):
        primary = next((m.clinician for m in patient.care_team.all() if m.primary), None)
        if primary is None:
            continue
        room = rooms[DOSING_ROOMS[index % 2]]
        if index == len(HISTORY_DAYS_AGO):
            return finished, start_dose_now(
                patient=patient,
                therapist=primary,
                prescriber=prescriber,
                room=room,
                lot=lot,
                index=index,
            )
        # The oldest on a Monday to Wednesday, so its follow-up days 1-3 are working days.
        weekdays = range(3) if index == 0 else range(5)
        day = _working_day(primary, today - timedelta(days=HISTORY_DAYS_AGO[index]), weekdays)
        given = give_dose(
            desk=users["frontdesk"],
            patient=patient,
            day=day,
            therapist=primary,
            prescriber=prescriber,
            room=room,
            lot=lot,
            index=index,
        )
        if given is not None:
            finished.append(given)
    return finished, None
