"""Dead ends of the clinic's day (issue 11): each refusal shows the way on."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from audit.models import AuditEvent
from screening.demo import screen_candidate
from tests.patients.factories import CareTeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def eligible(candidate, intake, screening_policy):
    """The candidate, screened eligible: ready to enroll but for a primary therapist."""
    return screen_candidate(course=candidate.courses.get(), by=intake).decisions.get()


def test_enrolling_without_a_primary_therapist_links_to_the_care_team_form(
    signed_in, intake, candidate, eligible
):
    client = signed_in(intake)
    care_team = reverse("chart", args=[candidate.pk]) + "#care-team"
    page = client.get(reverse("screening_decision", args=[eligible.pk])).content.decode()
    assert care_team in page  # before the click, too
    response = client.post(reverse("screening_enroll", args=[eligible.pk]))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Name a primary therapist" in page and care_team in page
    chart = client.get(reverse("chart", args=[candidate.pk])).content.decode()
    assert 'id="care-team"' in chart and 'data-testid="care-team-form"' in chart


def test_the_phase_form_links_to_the_care_team_form_too(signed_in, prescriber, candidate, eligible):
    CareTeamFactory(patient=candidate, clinician=prescriber)
    course = candidate.courses.get()
    response = signed_in(prescriber).post(
        reverse("course_phase", args=[candidate.pk, course.pk]),
        {"to_phase": "preparation", "reason": "Eligible."},
    )
    assert response.status_code == 400
    assert reverse("chart", args=[candidate.pk]) + "#care-team" in response.content.decode()


def test_with_a_primary_therapist_there_is_no_such_link(
    signed_in, intake, therapist, candidate, eligible
):
    CareTeamFactory(patient=candidate, clinician=therapist, primary=True)
    page = signed_in(intake).get(reverse("screening_decision", args=[eligible.pk])).content
    assert b'data-testid="needs-primary"' not in page


def test_intake_opening_a_patient_it_enrolled_learns_where_the_chart_went(
    signed_in, intake, therapist, candidate, eligible, outside_clinician
):
    CareTeamFactory(patient=candidate, clinician=therapist, primary=True)
    client = signed_in(intake)
    url = reverse("chart", args=[candidate.pk])
    assert client.get(url).status_code == 200
    assert client.post(reverse("screening_enroll", args=[eligible.pk])).status_code == 302
    response = client.get(url)
    assert response.status_code == 404
    page = response.content.decode()
    assert "moved to their care team" in page
    for phi in (candidate.first_name, candidate.last_name, candidate.mrn, therapist.last_name):
        assert phi not in page
    event = AuditEvent.objects.filter(user=intake).latest("id")
    assert event.action == "denied" and event.detail == {"moved_to_care_team": True}
    # Someone who never handled the patient still gets the plain 404.
    other = signed_in(outside_clinician).get(url)
    assert other.status_code == 404 and b"moved to their care team" not in other.content


def test_intake_that_never_saw_an_enrolled_patient_gets_the_plain_404(signed_in, intake, patient):
    response = signed_in(intake).get(reverse("chart", args=[patient.pk]))
    assert response.status_code == 404 and b"moved to their care team" not in response.content


def test_the_seed_prints_the_port_it_was_given(screening_policy, appointment_types, monkeypatch):
    out = StringIO()
    monkeypatch.setenv("PORT", "8123")
    call_command("seed_demo", stdout=out)
    assert "http://127.0.0.1:8123/" in out.getvalue()
    out = StringIO()
    call_command("seed_demo", "--port", "9001", stdout=out)
    assert "http://127.0.0.1:9001/" in out.getvalue() and "8000" not in out.getvalue()
