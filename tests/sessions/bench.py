"""`python -m tests.sessions.bench`: time the scheduling pages over a busy synthetic schedule.

Like `make bench` (tests/bench): a throw-away test database, in-process requests through Django's
test client, medians and p90 in milliseconds and the queries each page costs. Not a test.
Run on PostgreSQL with DATABASE_URL=postgres://... python -m tests.sessions.bench.
"""

import os
import statistics
import sys
import time
from datetime import date, timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kap_clinic.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnop")
os.environ.setdefault("DJANGO_HTTPS", "false")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DJANGO_MANIFEST_STATIC", "false")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

CLINICIANS = 20
ROOMS = 6
PATIENTS = int(os.environ.get("BENCH_PATIENTS", "2000"))
WEEKS = int(os.environ.get("BENCH_WEEKS", "12"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))


def seed():
    from accounts.models import User
    from patients.models import CareTeamMember, Patient, TreatmentCourse
    from sessions.booking.selectors import day_bounds, local_today
    from sessions.models import Appointment, AppointmentType, ClinicianHours, Room

    clinicians = [
        User.objects.create(
            username=f"clin{i}", role="therapist" if i % 4 else "prescriber", last_name=f"C{i}"
        )
        for i in range(CLINICIANS)
    ]
    desk = User.objects.create(username="desk", role="frontdesk")
    ClinicianHours.objects.bulk_create(
        ClinicianHours(clinician=c, weekday=d, starts="07:00", ends="19:00")
        for c in clinicians
        for d in range(7)
    )
    rooms = Room.objects.bulk_create(Room(name=f"Room {i}") for i in range(ROOMS))
    patients = Patient.objects.bulk_create(
        Patient(
            mrn=f"KS{i:07d}", first_name=f"F{i}", last_name=f"L{i}", date_of_birth=date(1980, 1, 1)
        )
        for i in range(PATIENTS)
    )
    courses = TreatmentCourse.objects.bulk_create(
        TreatmentCourse(patient=p, phase="treatment") for p in patients
    )
    CareTeamMember.objects.bulk_create(
        CareTeamMember(patient=p, clinician=clinicians[i % CLINICIANS], primary=True)
        for i, p in enumerate(patients)
    )
    dosing = AppointmentType.objects.get(code="dosing")
    # Each clinician sees three patients a day, back to back, in a room of their own that day.
    first = local_today() - timedelta(days=7 * WEEKS // 2)
    appointments = []
    for offset in range(7 * WEEKS):
        morning = day_bounds(first + timedelta(days=offset))[0] + timedelta(hours=12)
        for c, clinician in enumerate(clinicians):
            for slot in range(3):
                index = (offset * CLINICIANS * 3 + c * 3 + slot) % PATIENTS
                start = morning + timedelta(minutes=150 * slot)
                appointments.append(
                    Appointment(
                        patient=patients[index],
                        course=courses[index],
                        type=dosing,
                        clinician=clinician,
                        room=rooms[(c + offset) % ROOMS] if c < ROOMS else None,
                        start=start,
                        end=start + timedelta(minutes=150),
                        created_by=desk,
                        status="booked",
                    )
                )
    Appointment.objects.bulk_create(appointments, batch_size=2000)
    return clinicians, rooms, desk, patients, len(appointments)


def measure(label, client, url, data=None):
    timings = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        response = client.get(url, data)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (label, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url, data)
    print(
        f"| {label:<44} | {statistics.median(timings):8.1f} | "
        f"{sorted(timings)[int(len(timings) * 0.9)]:8.1f} | {len(queries):7d} |"
    )


def main():
    setup_test_environment()
    from django.conf import settings

    from sessions.booking.services import calendar_feed_issue

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        started = time.perf_counter()
        clinicians, rooms, desk, patients, count = seed()
        print(
            f"Seeded {count} appointments ({CLINICIANS} clinicians, {ROOMS} rooms, {PATIENTS} "
            f"patients, {WEEKS} weeks) in {time.perf_counter() - started:.1f} s on "
            f"{connection.vendor}.\n"
        )
        print(f"| {'page':<44} | {'p50 ms':>8} | {'p90 ms':>8} | {'queries':>7} |")
        print(f"|{'-' * 46}|{'-' * 10}|{'-' * 10}|{'-' * 9}|")
        clinician, room = clinicians[1], rooms[0]
        front = Client()
        front.force_login(desk)
        own = Client()
        own.force_login(clinician)
        mine = clinician.care_teams.first().patient
        day = reverse("clinician_calendar", args=[clinician.pk])
        measure("clinician day (3 appointments)", front, day)
        measure("clinician week (21 appointments)", front, day, {"view": "week"})
        measure("clinician week, the clinician", own, day, {"view": "week"})
        measure("room week", front, reverse("room_calendar", args=[room.pk]), {"view": "week"})
        measure("front desk home (the clinic today)", front, reverse("home"))
        measure("clinician home (today)", own, reverse("home"))
        measure("booking page with proposals", front, reverse("appointment_book", args=[mine.pk]))
        measure(
            "proposals for a dose in a room (htmx)",
            front,
            reverse("appointment_slots", args=[mine.pk]),
            {"type": "dosing", "clinician": clinician.pk, "room": room.pk},
        )
        measure(
            "patient's appointments (chart section)",
            front,
            reverse("patient_appointments", args=[mine.pk]),
        )
        _, token = calendar_feed_issue(by=clinician)
        measure("iCalendar feed (210 days)", Client(), reverse("calendar_feed", args=[token]))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
