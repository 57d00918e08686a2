"""Seed a demo clinic: one user per role and about thirty patients with courses in every phase.

Idempotent: users and patients that exist already are left as they are, so `make demo` can run
it every time. Every clinical write goes through the services, as a person's would.
"""

import os
import random
from datetime import date, timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from integration.followups import dispatch
from integration.followups import notes as integration_notes
from integration.models import FollowUp
from patients import phases
from patients.models import Alert, Patient
from patients.services import alert_raise, care_team_add, course_change_phase, patient_register
from portal.demo import seed_portal
from screening.demo import screen_candidate
from sessions.demo import (
    DemoClock,
    enter_treatment_as_history,
    seed_doses,
    seed_records,
    seed_schedule,
)
from sessions.stock.demo import seed_stock

# Bandit B105 (password string) reviewed: the demo's password, published in the README.
DEMO_PASSWORD = "Ketamine-Demo-2026"  # nosec B105

# username, first, last, role, extra
STAFF = [
    ("intake", "Irene", "Castillo", Role.INTAKE, {}),
    ("therapist", "Theo", "Marsh", Role.THERAPIST, {}),
    ("prescriber", "Priya", "Raman", Role.PRESCRIBER, {"on_call": True}),
    ("frontdesk", "Frances", "Doyle", Role.FRONTDESK, {}),
    ("admin", "Adam", "Kowalski", Role.ADMIN, {}),
    ("therapist2", "Tamsin", "Okafor", Role.THERAPIST, {}),
]
PATIENT_USER = ("patient", "Paula", "Reyes")

FIRST = [
    "Alex",
    "Jordan",
    "Maya",
    "Noah",
    "Elena",
    "Samir",
    "Grace",
    "Luis",
    "Hannah",
    "Omar",
    "Chloe",
    "Ben",
    "Aisha",
    "Daniel",
    "Yuki",
    "Rosa",
    "Ethan",
    "Leah",
    "Marcus",
    "Nina",
]
LAST = [
    "Bennett",
    "Chen",
    "Diaz",
    "Evans",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ito",
    "Johnson",
    "Khan",
    "Lopez",
    "Morgan",
    "Nguyen",
    "Olsen",
    "Patel",
    "Quinn",
    "Rossi",
    "Silva",
    "Turner",
    "Walsh",
]
# How many demo courses end up in each phase (30 in all; the portal patient adds one).
PHASE_PLAN = [
    (phases.SCREENING, 8),
    (phases.PREPARATION, 6),
    (phases.TREATMENT, 7),
    (phases.MAINTENANCE, 4),
    (phases.COMPLETED, 3),
    (phases.DISCONTINUED, 2),
]
PATH = {
    phases.SCREENING: [],
    phases.PREPARATION: [phases.PREPARATION],
    phases.TREATMENT: [phases.PREPARATION, phases.TREATMENT],
    phases.MAINTENANCE: [phases.PREPARATION, phases.TREATMENT, phases.MAINTENANCE],
    phases.COMPLETED: [phases.PREPARATION, phases.TREATMENT, phases.MAINTENANCE, phases.COMPLETED],
    phases.DISCONTINUED: [phases.PREPARATION, phases.DISCONTINUED],
}
# How the candidates still in screening stand: each a different moment of intake.
CANDIDATE_SCREENINGS = [
    None,  # registered, not yet screened
    {"decide": False},  # intake under way
    {"answers": {"phq9": None}},  # incomplete: no PHQ-9 yet
    {"history": {"bipolar_disorder": True}},  # awaiting a prescriber's review
    {"bp": ((146, 88), (142, 86)), "history": {"medications": ["Clonazepam 0.5 mg"]}},
    {"history": {"psychosis_history": True}},  # excluded
    {},  # eligible: ready to enroll
    {"answers": {"phq9": [2, 2, 2, 1, 2, 1, 2, 1, 1]}},  # PHQ-9 item 9: a safety alert
]

REASONS = {
    phases.PREPARATION: "Screening approved; enrolled (demo).",
    phases.TREATMENT: "First dose given before these records began (demo history).",
    phases.MAINTENANCE: "Initial series of six doses completed (demo).",
    phases.COMPLETED: "Maintenance ended by shared decision (demo).",
    phases.DISCONTINUED: "Patient chose to stop treatment (demo).",
}


def _port_from_environment() -> int:
    """`PORT=8080 make demo`: make exports PORT to the seed as to the server."""
    value = os.environ.get("PORT", "").strip()
    return int(value) if value.isdigit() and 0 < int(value) < 65536 else 8000


class Command(BaseCommand):
    help = "Create the demo clinic's users and patients (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--port",
            type=int,
            default=None,
            help="The port serve_demo will listen on, for the sign-in address printed "
            "(default: $PORT, else 8000).",
        )

    def handle(self, *args, port=None, **options):
        port = port or _port_from_environment()
        with transaction.atomic():
            users = {
                username: self._user(username, first, last, role, extra)
                for username, first, last, role, extra in STAFF
            }
            users["patient"] = self._user(*PATIENT_USER, Role.PATIENT, {})
            created = self._patients(users)
            seed_schedule(users)  # rooms, hours and the coming week's appointments
            seed_records(users)  # consent, preparation and questionnaires: ready to dose
            seed_stock(users, witness_password=DEMO_PASSWORD)  # lots for the doses to draw from
            finished, _ = seed_doses(users)  # doses of the past days, and one in progress now
            self._followups(finished)
            seed_portal(users)  # the journal prompt library and the demo patient's portal
        self.stdout.write(self.style.SUCCESS(f"Demo clinic ready ({created} patients created)."))
        self.stdout.write(
            f"Sign in at http://127.0.0.1:{port}/ with password {DEMO_PASSWORD!r} as:"
        )
        for username, *_ in [*STAFF, PATIENT_USER]:
            self.stdout.write(f"  {username:<11} ({users[username].get_role_display()})")

    def _followups(self, doses) -> None:
        """Each finished dose's follow-up, through integration's own services: the oldest
        booked in its window and integrated (its note signed) as history on the demo clock;
        the others opened and booked now, by the dispatcher, in what is left of their window."""
        now = timezone.now()
        for number, dose in enumerate(sorted(doses, key=lambda d: d.started_at)):
            if number > 0:
                followup = dispatch.followup_open(dose_id=dose.pk)
                dispatch.followup_dispatch_one(followup_id=followup.pk)
                continue
            with DemoClock(dose.ended_at + timedelta(minutes=1)) as clock:
                followup = dispatch.followup_open(dose_id=dose.pk)
                dispatch.followup_dispatch_one(followup_id=followup.pk)
                followup = FollowUp.objects.select_related("appointment").get(pk=followup.pk)
                if followup.appointment is None or followup.appointment.end > now:
                    continue  # no slot in its window (or not held yet): left in the work queue
                clock.at = followup.appointment.start + timedelta(minutes=45)
                integration_notes.note_sign(
                    by=followup.therapist,
                    followup=followup,
                    how_it_went="Calm dose; a sense of distance from the week's worries.",
                    themes="Letting go of control; kinder to self.",
                    body_emotions="Warmth in the chest; tearful, then relief.",
                    carry_forward="Stay with the breath when the fear comes.",
                    homework="Ten minutes' journaling each evening.",
                    journal_prompts="Body: Where did you feel ease this week?\n"
                    "Intentions: What do you want to bring to the next dose?",
                    risk="none",
                )

    def _user(self, username, first, last, role, extra) -> User:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "role": role,
                "email": f"{username}@demo.invalid",
                **extra,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        return user

    def _patients(self, users) -> int:
        registrar, therapist, prescriber = users["intake"], users["therapist"], users["prescriber"]
        created = 0
        plan = [phase for phase, count in PHASE_PLAN for _ in range(count)]
        for index, target in enumerate(plan):
            # Bandit B311 (random) reviewed: demo data, not security; seeded per patient so a
            # re-run regenerates the same people.
            rng = random.Random(index)  # nosec B311
            first, last = (
                FIRST[index % len(FIRST)],
                LAST[(index * 7 + index // len(FIRST)) % len(LAST)],
            )
            born = date(1960 + rng.randrange(40), 1 + rng.randrange(12), 1 + rng.randrange(28))
            if Patient.objects.filter(
                first_name=first, last_name=last, date_of_birth=born
            ).exists():
                continue
            patient = patient_register(
                by=registrar,
                first_name=first,
                last_name=last,
                date_of_birth=born,
                sex=rng.choice(["female", "male"]),
                phone=f"555-01{index:02d}",
                email=f"{first.lower()}.{last.lower()}@demo.invalid",
                emergency_contact_name=f"{rng.choice(FIRST)} {last}",
                emergency_contact_relationship=rng.choice(["spouse", "sibling", "parent"]),
                emergency_contact_phone=f"555-02{index:02d}",
            )
            created += 1
            if target != phases.SCREENING:
                clinician = therapist if index % 3 else users["therapist2"]
                care_team_add(by=registrar, patient=patient, clinician=clinician, primary=True)
                care_team_add(by=registrar, patient=patient, clinician=prescriber)
            if target == phases.SCREENING:
                profile = CANDIDATE_SCREENINGS[index % len(CANDIDATE_SCREENINGS)]
                if profile is not None:
                    screen_candidate(course=patient.courses.get(), by=registrar, **profile)
            else:
                screen_candidate(course=patient.courses.get(), by=registrar)
            self._walk(patient, target, prescriber)
            if target == phases.TREATMENT and index % 3 == 0:
                alert_raise(
                    patient=patient,
                    recipient=clinician if index % 2 else prescriber,
                    kind=Alert.Kind.CLINICAL,
                    severity=Alert.Severity.WARNING,
                    message="PHQ-9 rose by 6 points since the last dose: review before the next.",
                )
        created += self._portal_patient(users, registrar, therapist, prescriber)
        return created

    def _walk(self, patient, target, by):
        course = patient.courses.get()
        for phase in PATH[target]:
            if phase == phases.TREATMENT:  # only a dose start moves a course there: history
                course = enter_treatment_as_history(course, by=by, reason=REASONS[phase])
                continue
            course = course_change_phase(
                by=by, course=course, to_phase=phase, reason=REASONS[phase]
            )

    def _portal_patient(self, users, registrar, therapist, prescriber) -> int:
        portal_user = users["patient"]
        if Patient.objects.filter(user=portal_user).exists():
            return 0
        patient = patient_register(
            by=registrar,
            first_name="Paula",
            last_name="Reyes",
            date_of_birth=date(1987, 4, 9),
            sex="female",
            email="patient@demo.invalid",
            phone="555-0199",
            emergency_contact_name="Marco Reyes",
            emergency_contact_relationship="spouse",
            emergency_contact_phone="555-0198",
        )
        Patient.objects.filter(pk=patient.pk).update(user=portal_user)
        care_team_add(by=registrar, patient=patient, clinician=therapist, primary=True)
        care_team_add(by=registrar, patient=patient, clinician=prescriber)
        screen_candidate(course=patient.courses.get(), by=registrar)
        self._walk(patient, phases.TREATMENT, prescriber)
        return 1
