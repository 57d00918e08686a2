"""`python -m tests.sessions.booking.sqlite_race DB_PATH COUNT`: the booking race on an SQLite file.

Run by `test_booking_race.py` in a child process, because pytest-django's SQLite test database is
an in-memory shared cache, whose locks fail at once ("table is locked") instead of queueing the way
a real file in IMMEDIATE mode does. Prints the outcomes and the overlaps found, as JSON.
"""

import json
import os
import sys
import threading
from datetime import date, timedelta

os.environ["DATABASE_URL"] = f"sqlite:///{sys.argv[1]}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kap_clinic.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "race-only-secret-key-0123456789abcdefghijklmnopqrstuv")
os.environ.setdefault("DJANGO_HTTPS", "false")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402


def main(count: int) -> dict:
    call_command("migrate", verbosity=0)
    from django.db.models import Exists, OuterRef

    from accounts.models import User
    from patients.models import CareTeamMember, Patient, TreatmentCourse
    from sessions.booking import services
    from sessions.errors import SessionsError
    from sessions.models import INACTIVE, Appointment, Room
    from tests.sessions.factories import kind, local, works

    desk = User.objects.create(username="desk", role="frontdesk")
    therapist = User.objects.create(username="theo", role="therapist")
    works(therapist)
    room = Room.objects.create(name="Sage")
    people = []
    for n in range(count):
        person = Patient.objects.create(
            mrn=f"KR{n:06d}", first_name="Race", last_name=f"R{n}", date_of_birth=date(1980, 1, 1)
        )
        TreatmentCourse.objects.create(patient=person, phase="treatment")
        CareTeamMember.objects.create(patient=person, clinician=therapist)
        people.append(person)
    ten = local(7, "10:00")
    barrier = threading.Barrier(count)
    results, lock = [], threading.Lock()

    def attempt(index, person):
        try:
            barrier.wait()
            services.appointment_book(
                by=desk,
                patient=person,
                type=kind("dosing"),
                clinician=therapist,
                room=room,
                start=ten + timedelta(minutes=5 * index),
            )
            outcome = "booked"
        except SessionsError as error:
            outcome = error.message
        except Exception as error:  # noqa: BLE001 - reported, not hidden
            outcome = f"unhandled {type(error).__name__}: {error}"
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=attempt, args=pair) for pair in enumerate(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    active = Appointment.objects.exclude(status__in=INACTIVE)
    others = active.filter(
        clinician=OuterRef("clinician"), start__lt=OuterRef("end"), end__gt=OuterRef("start")
    ).exclude(pk=OuterRef("pk"))
    return {
        "results": results,
        "active": active.count(),
        "overlaps": active.filter(Exists(others)).count(),
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[2]))))
