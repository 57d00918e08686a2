"""Test data for the portal's tests and its browser test."""

from datetime import timedelta

from django.utils import timezone

from sessions.models import PreparationRecord
from tests.sessions.factories import AppointmentFactory, kind


def escort_named(patient, therapist, name: str, phone: str) -> PreparationRecord:
    """A preparation session ten days ago whose completed record names the escort (test data)."""
    past = AppointmentFactory(
        patient=patient,
        type=kind("preparation"),
        clinician=therapist,
        start=timezone.now() - timedelta(days=10),
        status="completed",
    )
    return PreparationRecord.objects.create(
        appointment=past,
        course=past.course,
        patient=patient,
        fasting_instructions_given=True,
        escort_name=name,
        escort_relationship="Family",
        escort_phone=phone,
        status="completed",
        created_by=therapist,
        completed_at=past.start,
        completed_by=therapist,
    )


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


def signed_note(followup, author, **fields):
    """The follow-up's integration note, signed (test data: the note's services are tested in
    tests/integration)."""
    from integration.models import IntegrationNote

    return IntegrationNote.objects.create(
        followup=followup,
        patient_id=followup.patient_id,
        author=author,
        status="signed",
        signed_at=timezone.now(),
        signed_sha256="0" * 64,
        risk="none",
        **fields,
    )
