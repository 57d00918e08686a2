"""Reminder tests run in America/New_York (the clinic's default zone), with a patient reachable by
e-mail and text message, the care team's hours and rooms (the sessions fixtures)."""

from datetime import date, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from notifications.rules import local_instant
from sessions.booking import services as booking
from tests.sessions.conftest import clinic_hours, rooms  # noqa: F401
from tests.sessions.factories import kind

NY = ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def new_york(settings):
    settings.TIME_ZONE = "America/New_York"
    settings.CELERY_TIMEZONE = "America/New_York"


@pytest.fixture(autouse=True)
def outboxes(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SMS_BACKEND = "notifications.backends.FileBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    settings.CLINIC_BASE_URL = "https://clinic.example.org"
    return tmp_path


def sms_sent(tmp_path) -> list[str]:
    folder = tmp_path / "sms"
    return sorted(p.read_text() for p in folder.glob("*.sms")) if folder.exists() else []


@pytest.fixture
def reachable(patient):
    """`patient` with an e-mail address and a phone, e-mail and text messages chosen, and no
    consent to unencrypted messages (the default)."""
    from notifications.models import ContactPreference

    patient.email, patient.phone = "paula@example.org", "555-0100"
    patient.save(update_fields=["email", "phone"])
    ContactPreference.objects.create(patient=patient, email=True, sms=True)
    return patient


def next_fall_back() -> date:
    """The next Sunday the clocks go back in New York, at least two days ahead (2027-11-07 seen
    from the end of 2026: the booking service refuses the past)."""
    day = timezone.localdate() + timedelta(days=2)

    def offset(clock: int):
        return local_instant(day, time(clock), NY).astimezone(NY).utcoffset()

    while not offset(12) < offset(0):
        day += timedelta(days=1)
    return day


@pytest.fixture
def book(frontdesk, rooms, clinic_hours, appointment_types):  # noqa: F811
    """`book(patient, code, start, clinician)`: book through the booking service (the hook)."""

    def make(patient, code, start, clinician, room=True):
        return booking.appointment_book(
            by=frontdesk,
            patient=patient,
            type=kind(code),
            clinician=clinician,
            start=start,
            room=rooms[0] if room else None,
        )

    return make


def record_dose(appointment):
    """Test data: the dose of a dosing appointment, started at its start and discharged."""
    from sessions.models import Dose

    return Dose.objects.create(
        appointment=appointment,
        course=appointment.course,
        status="discharged",
        drug="ketamine",
        route="im",
        dose_mg=Decimal("35"),
        started_at=appointment.start,
        ended_at=appointment.start + timedelta(minutes=125),
    )
