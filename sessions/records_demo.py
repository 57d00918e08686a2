"""The demo clinic's consent, preparation records, in-clinic questionnaires and notes.

`seed_records(users)` is called by `seed_demo` after `seed_schedule` (it needs the patients and
their appointments). Idempotent: it does nothing once a consent signature exists. Every write goes
through the services, except the past preparation appointments of patients already in treatment:
the booking service refuses the past, so that history is written directly, as an import of past
records would be.
"""

from datetime import time, timedelta

from patients import phases
from patients.models import Patient
from sessions import consent, notes, preparation, questionnaires, scheduling, selectors
from sessions.models import Appointment, AppointmentType, ConsentSignature, Room

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
        medication_adjustments="None needed." if index % 2 else "Hold lamotrigine on dose days.",
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
