"""A course enters treatment only when its first dose starts (DESIGN.md, "The course of
treatment"): not from the chart's phase form, not by a service call, not by the shell."""

import pytest
from django.urls import reverse

from patients.errors import PatientsError
from patients.services import course_change_phase
from tests.patients.factories import place_in_phase

pytestmark = pytest.mark.django_db


@pytest.fixture
def preparing(patient, prescriber):
    return place_in_phase(patient.courses.get(), "preparation", by=prescriber)


def test_a_service_call_cannot_move_a_course_into_treatment(preparing, prescriber):
    with pytest.raises(PatientsError, match="first dose starts"):
        course_change_phase(
            by=prescriber, course=preparing, to_phase="treatment", reason="Ready to go"
        )
    preparing.refresh_from_db()
    assert preparing.phase == "preparation"
    assert not preparing.phase_changes.filter(to_phase="treatment").exists()


def test_the_charts_phase_form_cannot_move_a_course_into_treatment(
    signed_in, preparing, patient, prescriber
):
    url = reverse("course_phase", args=[patient.pk, preparing.pk])
    response = signed_in(prescriber).post(url, {"to_phase": "treatment", "reason": "Ready"})
    assert response.status_code == 400
    assert b"first dose starts" in response.content
    preparing.refresh_from_db()
    assert preparing.phase == "preparation"


def test_the_first_dose_start_is_the_way_in(ready, preparing, therapist):
    from sessions.dosing import services as doses

    doses.dose_start(by=therapist, dose=ready())
    preparing.refresh_from_db()
    assert preparing.phase == "treatment"
    assert preparing.phase_changes.latest("id").reason.startswith("First dose started")
