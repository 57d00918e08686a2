"""A preparation record cannot be completed before its session's clinic-local day: a record of a
session not yet held would let a dose start on a promise. A draft may be saved any time."""

from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions.booking.rules import local_instant
from sessions.booking.selectors import clinic_zone, local_today
from sessions.errors import SessionsError
from sessions.models import PreparationRecord
from sessions.preparation import services as preparation
from tests.sessions.factories import AppointmentFactory, kind

pytestmark = pytest.mark.django_db

FILLED = {
    "goals": "Less rumination.",
    "intentions": "Curiosity.",
    "fasting_instructions_given": True,
    "escort_name": "Marta Reyes",
}


def visit_on(patient, clinician, day, hhmm=(23, 0)):
    start = local_instant(day, time(*hhmm), clinic_zone())
    return AppointmentFactory(
        patient=patient,
        course=patient.courses.first(),
        clinician=clinician,
        type=kind("preparation"),
        start=start,
        end=start + timedelta(minutes=60),
    )


def test_a_record_of_tomorrows_session_is_saved_but_not_completed(patient, therapist):
    visit = visit_on(patient, therapist, local_today() + timedelta(days=1), (0, 15))
    saved = preparation.preparation_save(by=therapist, appointment=visit, **FILLED)
    with pytest.raises(SessionsError, match="complete its record on or after that day") as error:
        preparation.preparation_complete(by=therapist, record=saved)
    assert error.value.field == "completed_at"
    saved.refresh_from_db()
    assert saved.status == "draft" and preparation.preparation_problem(visit.course)


def test_a_record_is_completed_on_the_sessions_day_even_before_its_hour(patient, therapist):
    # Later today (23:00 local; the rule is the day, not the hour).
    visit = visit_on(patient, therapist, local_today())
    saved = preparation.preparation_save(by=therapist, appointment=visit, **FILLED)
    assert preparation.preparation_complete(by=therapist, record=saved).is_completed


def test_the_page_refuses_with_the_reason_and_keeps_the_draft(signed_in, patient, therapist):
    visit = visit_on(patient, therapist, local_today() + timedelta(days=3))
    response = signed_in(therapist).post(
        reverse("preparation_record", args=[visit.pk]),
        {**FILLED, "fasting_instructions_given": "on", "complete": "1"},
    )
    assert response.status_code == 400
    assert "complete its record on or after that day" in response.content.decode()
    record = PreparationRecord.objects.get()
    assert record.status == "draft" and record.goals == "Less rumination."
    assert timezone.now() < visit.start
