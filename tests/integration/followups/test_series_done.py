"""The series counts a dose as done once it was given, whatever its appointment says (issue 11:
the series page said "0 doses done" after a dose)."""

import pytest
from django.urls import reverse

from sessions.models import Appointment
from tests.integration.followups.setup import discharged_now

pytestmark = pytest.mark.django_db


def test_a_discharged_dose_is_done(
    signed_in, therapist, prescriber, clinic_admin, patient, screening_policy, appointment_types
):
    dose = discharged_now(patient, therapist=therapist, prescriber=prescriber, admin=clinic_admin)
    course = patient.courses.get()
    url = reverse("course_series", args=[patient.pk, course.pk])
    response = signed_in(therapist).get(url)
    series = response.context["series"]
    assert (series.done, series.planned) == (1, 0)
    assert [d.number for d in series.initial] == [1]
    assert b'<strong>1</strong> <span class="text-muted">dose done' in response.content
    # However the appointment was closed afterwards (a no-show marked by mistake, a status the
    # chair side adds), the dose given stays dose 1 and done.
    Appointment.objects.filter(pk=dose.appointment_id).update(status="no_show")
    series = signed_in(therapist).get(url).context["series"]
    assert (series.done, [d.number for d in series.initial]) == (1, [1])
