"""A patient with a portal: a dose in two days, a finished dose with its follow-up, a completed
preparation record naming the escort, a published consent, and prompts after the finished dose.
`history(n)` adds n more past appointments, doses and questionnaires (query-count tests)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integration.followups import dispatch
from portal import services
from portal.library import seed_library
from portal.models import JournalPrompt
from sessions.models import PreparationRecord
from tests.integration.followups.setup import finished_dose

# Integration fixtures (rooms, the care team's hours) for the tests that book.
from tests.sessions.conftest import clinic_hours, rooms  # noqa: F401
from tests.sessions.factories import AppointmentFactory, kind, local
from tests.sessions.records_factories import published_version


@pytest.fixture
def library(db):
    seed_library(JournalPrompt)  # a transactional test may have flushed the migration's rows


@pytest.fixture
def portal(patient, therapist, clinic_admin, appointment_types, library):
    """`patient`'s portal: returns a dict of the objects the tests name."""
    past_prep = AppointmentFactory(
        patient=patient,
        type=kind("preparation"),
        clinician=therapist,
        start=timezone.now() - timedelta(days=10),
        status="completed",
    )
    PreparationRecord.objects.create(
        appointment=past_prep,
        course=past_prep.course,
        patient=patient,
        fasting_instructions_given=True,
        escort_name="Marco Reyes",
        escort_relationship="Brother",
        escort_phone="555-0199",
        status="completed",
        created_by=therapist,
        completed_at=timezone.now() - timedelta(days=10),
        completed_by=therapist,
    )
    dosing = AppointmentFactory(
        patient=patient, type=kind("dosing"), clinician=therapist, start=local(2, "10:00")
    )
    dose = finished_dose(patient, therapist, timezone.now() - timedelta(days=2))
    followup = dispatch.followup_open(dose_id=dose.pk)
    version = published_version(clinic_admin)
    services.ensure_assignments(patient)
    return {
        "dosing": dosing,
        "dose": dose,
        "followup": followup,
        "version": version,
        "assignment": patient_assignment(patient),
    }


def patient_assignment(patient):
    from portal.models import PromptAssignment

    return PromptAssignment.objects.filter(patient=patient).order_by("id").first()


@pytest.fixture
def history(patient, therapist):
    """`history(n)`: n more finished doses a week apart, each with a PHQ-9 and a GAD-7."""

    def add(n):
        for i in range(n):
            at = timezone.now() - timedelta(days=30 + 7 * i)
            finished_dose(patient, therapist, at)
            score(patient, therapist, "phq9", 12 - i % 5, at - timedelta(hours=3))
            score(patient, therapist, "gad7", 9 - i % 4, at - timedelta(hours=2))
        services.ensure_assignments(patient)

    return add


def score(patient, by, code, total, when):
    """A completed PHQ-9 or GAD-7 with `total` (test data, inserted as the service would)."""
    from screening import instruments
    from screening.models import InstrumentAdministration

    count = 9 if code == "phq9" else 7
    answers = [min(3, max(0, total - 3 * i)) for i in range(count)]
    if code == "phq9":
        answers[8] = 0
    return InstrumentAdministration.objects.create(
        patient=patient,
        instrument=code,
        version="1",
        answers=answers,
        score=instruments.score(code, answers).as_dict(),
        status="completed",
        completed_at=when,
        entered_by=by,
    )
