"""`make bench`: seed a large synthetic clinic in a throw-away database and time the busiest pages.

Figures are medians of in-process requests through Django's test client (no network, no
gunicorn), with the number of SQL queries each page costs. Not a test: nothing here asserts.
Run on PostgreSQL with DATABASE_URL=postgres://... make bench.
"""

import os
import statistics
import sys
import time
from datetime import date

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kap_clinic.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnop")
os.environ.setdefault("DJANGO_HTTPS", "false")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DJANGO_MANIFEST_STATIC", "false")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_test_environment,
)
from django.urls import reverse  # noqa: E402

PATIENTS = int(os.environ.get("BENCH_PATIENTS", "5000"))
CLINICIANS = 25
REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))


def seed():
    from accounts.models import User
    from audit.models import AuditEvent
    from patients.models import CareTeamMember, Patient, PhaseChange, TreatmentCourse

    clinicians = [
        User.objects.create(username=f"clin{i}", role="therapist" if i % 2 else "prescriber")
        for i in range(CLINICIANS)
    ]
    staff = {r: User.objects.create(username=r, role=r) for r in ("intake", "frontdesk")}
    phases = ["screening", "preparation", "treatment", "maintenance", "completed"]
    patients = Patient.objects.bulk_create(
        Patient(
            mrn=f"KB{i:07d}",
            first_name=f"First{i}",
            last_name=f"Last{i % 977}",
            date_of_birth=date(1950 + i % 50, 1 + i % 12, 1 + i % 28),
        )
        for i in range(PATIENTS)
    )
    courses = TreatmentCourse.objects.bulk_create(
        TreatmentCourse(patient=p, phase=phases[i % len(phases)]) for i, p in enumerate(patients)
    )
    PhaseChange.objects.bulk_create(
        PhaseChange(course=c, from_phase="", to_phase=c.phase, by=staff["intake"])
        for c in courses
        for _ in range(4)
    )
    CareTeamMember.objects.bulk_create(
        CareTeamMember(patient=p, clinician=clinicians[i % CLINICIANS], primary=False)
        for i, p in enumerate(patients)
    )
    AuditEvent.objects.bulk_create(
        AuditEvent(user=staff["frontdesk"], role="frontdesk", action="list") for _ in range(20000)
    )
    return clinicians[1], staff, patients


def measure(label, client, method, url, data=None):
    timings = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        response = getattr(client, method)(url, data) if data else getattr(client, method)(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (label, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        getattr(client, method)(url, data) if data else getattr(client, method)(url)
    print(
        f"| {label:<44} | {statistics.median(timings):8.1f} | "
        f"{sorted(timings)[int(len(timings) * 0.9)]:8.1f} | {len(queries):7d} |"
    )


def main():
    setup_test_environment()
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if sys.argv[1:] == ["replay"]:  # `python -m tests.bench replay`: the policy replay alone
        from tests.bench import replay

        replay.run()
        return 0
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        started = time.perf_counter()
        therapist, staff, patients = seed()
        print(
            f"Seeded {PATIENTS} patients, {CLINICIANS} clinicians, {PATIENTS * 4} phase changes,"
            f" 20000 audit rows in {time.perf_counter() - started:.1f} s on "
            f"{connection.vendor}.\n"
        )
        print(f"| {'page':<44} | {'p50 ms':>8} | {'p90 ms':>8} | {'queries':>7} |")
        print(f"|{'-' * 46}|{'-' * 10}|{'-' * 10}|{'-' * 9}|")
        clinician = Client()
        clinician.force_login(therapist)
        mine = therapist.care_teams.first().patient
        measure("therapist home (their patients)", clinician, "get", reverse("home"))
        measure("chart", clinician, "get", reverse("chart", args=[mine.pk]))
        measure("patient list, therapist", clinician, "post", reverse("patient_list"), {"q": ""})
        desk = Client()
        desk.force_login(staff["frontdesk"])
        measure(
            f"patient list, front desk ({PATIENTS} visible)",
            desk,
            "post",
            reverse("patient_list"),
            {"q": ""},
        )
        measure("search by name, front desk", desk, "post", reverse("patient_list"), {"q": "Last5"})
        measure(
            "search by MRN, front desk", desk, "post", reverse("patient_list"), {"q": "KB0004321"}
        )
        intake = Client()
        intake.force_login(staff["intake"])
        measure("intake home (candidates)", intake, "get", reverse("home"))
        measure(
            "intake patient list (candidates)", intake, "post", reverse("patient_list"), {"q": ""}
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    from tests.bench import replay, screen

    screen.run()
    replay.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
