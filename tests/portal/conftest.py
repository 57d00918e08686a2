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
from tests.integration.followups.setup import finished_dose
from tests.portal.setup import escort_named, score
from tests.sessions.factories import AppointmentFactory, kind, local
from tests.sessions.records_factories import published_version


@pytest.fixture
def library(db):
    seed_library(JournalPrompt)  # a transactional test may have flushed the migration's rows


@pytest.fixture
def portal(patient, therapist, clinic_admin, appointment_types, library):
    """`patient`'s portal: returns a dict of the objects the tests name."""
    escort_named(patient, therapist, "Marco Reyes", "555-0199")
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
