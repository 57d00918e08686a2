"""A synthetic clinic for the outcomes dashboard, written straight to the database (test data,
as an import of past records would be), with the right answers worked out in plain Python from
the same plan, never read back from the database.

Plan of course i (0-based), all in the past so every follow-up window has closed:
- doses: 1 + i % 6 (courses with i % 9 == 8 have none), every 3 days; drug esketamine when
  i % 3 == 0; attended by clinician A when i % 2 == 0, else B (with
  two clinicians);
- PHQ-9: an older score, then the baseline the day before the first dose (neither when i % 7 == 0),
  then scores after doses; the latest is chosen to hit response and remission boundaries;
- follow-ups: held on day 2 and integrated, except courses with i % 4 == 0, whose last dose's
  follow-up is integrated on day 5 (outside the window); courses with i % 10 == 5 leave their
  first dose's follow-up unheld;
- adverse events on dose j when (i + j) % 5 == 0; a no-show integration appointment when
  i % 6 == 1;
- a screening decision per course, with reasons when i % 3 != 2."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.utils import timezone

from integration.models import FollowUp
from patients.models import Patient, TreatmentCourse
from screening.models import InstrumentAdministration, Screening, ScreeningDecision
from sessions.booking.selectors import clinic_zone
from sessions.models import AdverseEvent, Appointment, AppointmentType, Dose

KINDS = ["nausea", "hypertension", "agitation"]
SEVERITIES = ["mild", "moderate", "severe"]
# (baseline, latest): exactly half (response), one over half (not), remission edge 4/5, …
PAIRS = [(20, 10), (20, 11), (10, 4), (10, 5), (16, 8), (9, 6), (27, 3)]


def _appointment(course, kind, clinician, start, status, by) -> Appointment:
    """20 seconds long: seeded appointments never overlap (doses start on the minute, the rest
    at :30 or :40 seconds)."""
    return Appointment(
        patient_id=course.patient_id,
        course=course,
        type=kind,
        clinician=clinician,
        start=start,
        end=start + timedelta(seconds=20),
        status=status,
        created_by=by,
    )


@dataclass
class Truth:
    phases: Counter = field(default_factory=Counter)
    doses: int = 0
    followups_due: int = 0
    followups_inside: int = 0
    by_doses: dict = field(default_factory=lambda: defaultdict(Counter))
    by_integration: dict = field(default_factory=lambda: defaultdict(Counter))
    events: Counter = field(default_factory=Counter)
    no_shows: int = 0
    screening_outcomes: Counter = field(default_factory=Counter)
    screening_rules: Counter = field(default_factory=Counter)


def seed(n: int, *, clinicians, by) -> Truth:
    zone = clinic_zone()
    today = timezone.localtime(timezone.now(), zone).date()
    base = datetime.combine(today - timedelta(days=40), time(9, 0), zone)
    dosing = AppointmentType.objects.get(code="dosing")
    integration = AppointmentType.objects.get(code="integration")
    truth = Truth()
    offset = Patient.objects.count()
    patients = Patient.objects.bulk_create(
        Patient(
            mrn=f"OC{offset + i:06d}",
            first_name="Test",
            last_name=f"Outcome{offset + i}",
            date_of_birth=datetime(1980, 1, 1).date(),
            sex="female",
            phone="555-0100",
        )
        for i in range(n)
    )
    courses = TreatmentCourse.objects.bulk_create(
        TreatmentCourse(patient=p, phase="treatment" if i % 5 else "maintenance")
        for i, p in enumerate(patients)
    )
    TreatmentCourse.objects.filter(pk__in=[c.pk for c in courses]).update(
        opened_at=base - timedelta(days=30)
    )
    scores, appointments, plans = [], [], []
    for i, (patient, course) in enumerate(zip(patients, courses, strict=True)):
        truth.phases["treatment" if i % 5 else "maintenance"] += 1
        n_doses = 0 if i % 9 == 8 else 1 + i % 6
        clinician = clinicians[(offset + i) % len(clinicians)]
        slot = (offset + i) // len({c.pk for c in clinicians})  # a clinician's never meet
        drug = "esketamine" if i % 3 == 0 else "ketamine"
        starts = [base + timedelta(days=3 * j, minutes=slot) for j in range(n_doses)]
        baseline, latest = PAIRS[i % len(PAIRS)]
        has_baseline = i % 7 != 0

        def score(at, total, patient=patient):
            return InstrumentAdministration(
                patient=patient,
                instrument="phq9",
                version="1",
                answers=[0] * 9,
                score={"total": total, "severity": "mild"},
                status="completed",
                completed_at=at,
                entered_by=by,
            )

        first = starts[0] if starts else base
        if has_baseline:
            scores.append(score(first - timedelta(days=10), 26))  # older than the baseline
            scores.append(score(first - timedelta(days=1), baseline))
        if starts:
            scores.append(score(starts[0] + timedelta(hours=30), baseline + 1))
            scores.append(score(starts[-1] + timedelta(hours=30), latest))
        all_inside = i % 4 != 0 and i % 10 != 5
        for j, start in enumerate(starts):
            appointments.append(_appointment(course, dosing, clinician, start, "completed", by))
            if j == 0 and i % 10 == 5:
                held_day = None  # not held
            elif j == n_doses - 1 and i % 4 == 0:
                held_day = 5
            else:
                held_day = 2
            plans.append((i, j, course, patient, clinician, drug, start, held_day))
        if n_doses:
            truth.doses += n_doses
            bucket = truth.by_doses[n_doses]
            group = truth.by_integration[1 if all_inside else 0]
            for counter in (bucket, group):
                counter["courses"] += 1
                counter["scored"] += 1
                counter["remitters"] += latest < 5
                if has_baseline:
                    counter["judged"] += 1
                    counter["responders"] += 2 * latest <= baseline
        if i % 6 == 1:
            start = base + timedelta(days=25, minutes=slot, seconds=40)
            appointments.append(_appointment(course, integration, clinician, start, "no_show", by))
            truth.no_shows += 1
    InstrumentAdministration.objects.bulk_create(scores)
    Appointment.objects.bulk_create(appointments)
    by_start = {(a.patient_id, a.start): a for a in appointments if a.type_id == dosing.pk}
    doses = Dose.objects.bulk_create(
        Dose(
            appointment=by_start[(patient.pk, start)],
            course=course,
            status="integrated" if held_day else "discharged",
            drug=drug,
            route="intranasal" if drug == "esketamine" else "iv",
            weight_kg=70,
            dose_mg=56 if drug == "esketamine" else 35,
            mg_per_kg=0.5,
            started_at=start,
            ended_at=start + timedelta(hours=2),
            monitoring_minutes=120,
        )
        for (i, j, course, patient, clinician, drug, start, held_day) in plans
    )
    followup_appointments, followups, events = [], [], []
    for dose, (i, j, course, patient, clinician, _drug, start, held_day) in zip(
        doses, plans, strict=True
    ):
        day0 = timezone.localtime(start, zone).date()
        closes = datetime.combine(day0 + timedelta(days=4), time.min, zone)
        followup = FollowUp(
            dose=dose,
            course=course,
            patient=patient,
            therapist=clinician,
            status="due",
            due_at=start,
            dose_at=start,
            first_day=day0 + timedelta(days=1),
            last_day=day0 + timedelta(days=3),
            earliest=start + timedelta(days=1),
            closes_at=closes,
        )
        truth.followups_due += 1
        if held_day:
            at = start + timedelta(days=held_day, seconds=30)
            followup.appointment = _appointment(course, integration, clinician, at, "completed", by)
            followup.status, followup.integrated_at = "integrated", at + timedelta(hours=1)
            followup_appointments.append(followup.appointment)
            truth.followups_inside += held_day <= 3
        followups.append(followup)
        if (i + j) % 5 == 0:
            kind, severity = KINDS[i % 3], SEVERITIES[j % 3]
            events.append(
                AdverseEvent(
                    dose=dose, kind=kind, severity=severity, action_taken="observed", recorded_by=by
                )
            )
            truth.events[(kind, severity)] += 1
    Appointment.objects.bulk_create(followup_appointments)
    for followup in followups:
        if followup.appointment is not None:
            followup.appointment_id = followup.appointment.pk
    FollowUp.objects.bulk_create(followups)
    AdverseEvent.objects.bulk_create(events)
    screenings = Screening.objects.bulk_create(
        Screening(course=course, status="eligible", started_by=by) for course in courses
    )
    decisions = []
    for i, screening in enumerate(screenings):
        reasons = []
        if i % 3 == 0:
            reasons = [{"code": "hypertension_elevated", "severity": "review", "message": "x"}]
        elif i % 3 == 1:
            reasons = [
                {"code": "psychosis", "severity": "exclusion", "message": "x"},
                {"code": "hypertension_elevated", "severity": "review", "message": "x"},
            ]
        outcome = "excluded" if i % 3 == 1 else ("needs_review" if i % 3 == 0 else "eligible")
        truth.screening_outcomes[outcome] += 1
        for r in reasons:
            truth.screening_rules[(r["code"], r["severity"])] += 1
        decisions.append(
            ScreeningDecision(
                screening=screening,
                decided_by=by,
                policy_label="v1",
                facts={},
                outcome=outcome,
                reasons=reasons,
                missing=[],
                scores={},
            )
        )
    ScreeningDecision.objects.bulk_create(decisions)
    return truth
