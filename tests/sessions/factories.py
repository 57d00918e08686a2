import importlib
from datetime import time, timedelta

import factory
from django.apps import apps

from sessions.booking import rules as scheduling
from sessions.booking.selectors import clinic_zone, local_today
from sessions.models import Appointment, AppointmentType, ClinicianHours, Room
from tests.patients.factories import CourseFactory


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Room {n + 1}")


def restore_appointment_types():
    """Re-create the three appointment types, by the data migration's own function, after a
    transactional test has flushed the database (serialized_rollback clashes with the role groups
    that post_migrate re-creates after a flush)."""
    migration = importlib.import_module("sessions.migrations.0002_appointment_types")
    migration.add_types(apps, None)
    minimums = importlib.import_module("sessions.migrations.0006_appointment_type_min_minutes")
    minimums.set_minimums(apps, None)


def kind(code: str) -> AppointmentType:
    """One of the three appointment types the data migration created."""
    return AppointmentType.objects.get(code=code)


def works(clinician, starts="07:00", ends="20:00", weekdays=range(7)):
    """Give `clinician` the same hours on `weekdays` (every day by default)."""
    for weekday in weekdays:
        ClinicianHours.objects.get_or_create(
            clinician=clinician,
            weekday=weekday,
            starts=time.fromisoformat(starts),
            defaults={"ends": time.fromisoformat(ends)},
        )


def local(days_ahead: int, hhmm: str):
    """An aware instant at local wall time `hhmm`, `days_ahead` days from today."""
    day = local_today() + timedelta(days=days_ahead)
    return scheduling.local_instant(day, time.fromisoformat(hhmm), clinic_zone())


class AppointmentFactory(factory.django.DjangoModelFactory):
    """An appointment written directly: test data, not a booking (no rules checked)."""

    class Meta:
        model = Appointment

    patient = factory.SubFactory("tests.patients.factories.PatientFactory")
    course = factory.LazyAttribute(
        lambda a: a.patient.courses.first() or CourseFactory(patient=a.patient, phase="treatment")
    )
    type = factory.LazyFunction(lambda: kind("preparation"))
    clinician = factory.SubFactory("tests.accounts.factories.UserFactory", role="therapist")
    room = factory.SubFactory(RoomFactory)
    start = factory.LazyFunction(lambda: local(7, "10:00"))
    end = factory.LazyAttribute(lambda a: a.start + timedelta(minutes=a.type.default_minutes))
    created_by = factory.LazyAttribute(lambda a: a.clinician)
