"""Preparation session records, the escort, and the contract reads the dose guard asks (issue 6)."""

import pytest
from django.db import DatabaseError
from django.urls import reverse

from sessions.errors import SessionsError
from sessions.models import PreparationRecord
from sessions.preparation import services as preparation
from tests.sessions.records_factories import appointment, raw

FILLED = {
    "goals": "Less rumination; reconnect with friends.",
    "intentions": "Curiosity, letting go.",
    "expectations": "Explained dissociation and nausea.",
    "fasting_instructions_given": "on",
    "medication_adjustments": "Hold lamotrigine the morning of each dose.",
    "escort_name": "Marta Reyes",
    "escort_relationship": "Sister",
    "escort_phone": "555-0142",
}


@pytest.fixture
def visit(patient, therapist):
    return appointment(patient, therapist, "preparation")


def _complete(visit, by, **overrides):
    values = {**FILLED, "fasting_instructions_given": True, **overrides}
    saved = preparation.preparation_save(by=by, appointment=visit, **values)
    return preparation.preparation_complete(by=by, record=saved)


def test_a_draft_is_saved_then_completed_through_the_page(signed_in, therapist, visit):
    client = signed_in(therapist)
    url = reverse("preparation_record", args=[visit.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"goals": "Goals only.", "save": "1"})
    record = PreparationRecord.objects.get()
    assert record.status == "draft" and record.goals == "Goals only."
    assert record.course == visit.course and record.created_by == therapist
    refused = client.post(url, {"goals": "Goals only.", "complete": "1"})
    assert refused.status_code == 400
    assert "the intentions and the fasting instructions given" in refused.content.decode()
    done = client.post(url, {**FILLED, "complete": "1"})
    assert done.status_code == 302
    record.refresh_from_db()
    assert record.is_completed and record.completed_by == therapist
    page = client.get(url).content.decode()
    assert 'data-testid="preparation-form"' not in page
    assert 'data-testid="escort-form"' in page and "Less rumination" in page


def test_the_contract_reads(patient, therapist, visit):
    course = visit.course
    assert preparation.preparation_problem(course) == (
        "No preparation session recorded for this course."
    )
    assert preparation.escort_for(course) is None
    preparation.preparation_save(by=therapist, appointment=visit, goals="x", escort_name="Marta")
    assert preparation.preparation_problem(course) == (
        "The preparation session record is not completed yet."
    )
    assert preparation.escort_for(course) is None  # a draft is not yet the record
    _complete(visit, therapist)
    assert preparation.preparation_problem(course) is None
    assert preparation.escort_for(course) == ("Marta Reyes", "555-0142")


def test_the_latest_completed_record_names_the_escort(patient, therapist, visit):
    _complete(visit, therapist)
    later = appointment(patient, therapist, "preparation", days=-0.5)
    _complete(later, therapist, escort_name="Tom Reyes", escort_phone="555-0199")
    assert preparation.escort_for(visit.course) == ("Tom Reyes", "555-0199")


def test_a_completed_record_is_final_but_the_escort_may_change(signed_in, therapist, visit):
    record = _complete(visit, therapist)
    with pytest.raises(SessionsError, match="final"):
        preparation.preparation_save(by=therapist, appointment=visit, goals="Rewritten.")
    record.goals = "Rewritten."
    with pytest.raises(SessionsError, match="final"):
        record.save()
    with pytest.raises(SessionsError):
        PreparationRecord.objects.get().delete()
    response = signed_in(therapist).post(
        reverse("preparation_escort", args=[visit.pk]),
        {"escort_name": "Tom Reyes", "escort_relationship": "Brother", "escort_phone": "555-0199"},
    )
    assert response.status_code == 302
    stored = PreparationRecord.objects.get()
    assert stored.goals == FILLED["goals"] and stored.escort_name == "Tom Reyes"
    assert preparation.escort_for(visit.course) == ("Tom Reyes", "555-0199")


def test_a_phone_needs_a_name(therapist, visit):
    with pytest.raises(SessionsError, match="Name the escort"):
        preparation.preparation_save(by=therapist, appointment=visit, escort_phone="555")


def test_only_a_preparation_appointment_has_a_record(signed_in, patient, therapist):
    dosing = appointment(patient, therapist, "dosing", days=-3)
    with pytest.raises(SessionsError, match="Only a preparation appointment"):
        preparation.preparation_save(by=therapist, appointment=dosing, goals="x")
    response = signed_in(therapist).get(reverse("preparation_record", args=[dosing.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["outside_clinician", "frontdesk"])
def test_others_cannot_record_preparation(request, signed_in, visit, who):
    user = request.getfixturevalue(who)
    client = signed_in(user)
    url = reverse("preparation_record", args=[visit.pk])
    assert client.get(url).status_code in (403, 404)
    assert client.post(url, {**FILLED, "complete": "1"}).status_code in (403, 404)
    with pytest.raises(SessionsError):
        preparation.preparation_save(by=user, appointment=visit, goals="x")
    assert not PreparationRecord.objects.exists()


@pytest.mark.postgres
def test_the_database_keeps_a_completed_record_final(therapist, visit):
    record = _complete(visit, therapist)
    with pytest.raises(DatabaseError, match="final"):
        raw("UPDATE kap_sessions_preparationrecord SET goals = 'x' WHERE id = %s", [record.pk])
    raw(
        "UPDATE kap_sessions_preparationrecord SET escort_name = 'Ana' WHERE id = %s",
        [record.pk],
    )
    record.refresh_from_db()
    assert record.goals == FILLED["goals"] and record.escort_name == "Ana"


def test_the_chart_shows_the_preparation_section(signed_in, therapist, patient, visit):
    _complete(visit, therapist)
    chart = signed_in(therapist).get(reverse("chart", args=[patient.pk])).content.decode()
    assert 'id="section-preparation"' in chart
    assert reverse("preparation_record", args=[visit.pk]) in chart
    assert "Marta Reyes" in chart and "completed" in chart
    assert reverse("questionnaires", args=[patient.pk]) in chart
    assert reverse("consent", args=[patient.pk]) in chart
