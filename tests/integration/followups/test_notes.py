"""The integration note: draft → signed (the dose is integrated, the next dose starts without an
override), immutable once signed, addenda, the risk check's alert, closing the initial series."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.utils import timezone

from integration.errors import IntegrationError
from integration.followups import dispatch, notes, services
from integration.models import FollowUp, IntegrationNote
from patients import phases
from patients.models import Alert
from sessions.dosing import services as doses
from sessions.models import Appointment, Dose
from tests.integration.followups.setup import discharged_now
from tests.sessions.dosing.setup import dose_ready

pytestmark = pytest.mark.django_db

NOTE = {
    "how_it_went": "Calm onset; some nausea at 20 minutes, settled.",
    "themes": "Grief for her father; forgiveness.",
    "body_emotions": "Warmth in the chest; tearful, then relieved.",
    "carry_forward": "Intention: stay with the sadness rather than fix it.",
    "homework": "Walk daily; write one letter (unsent).",
    "journal_prompts": "Body: Where did you feel the warmth?\nWhat would you tell him now?",
    "questionnaires": "PHQ-9 today: 9.",
    "risk": "none",
    "risk_notes": "",
}


@pytest.fixture
def held_followup(
    patient, therapist, prescriber, clinic_admin, screening_policy, rooms, clinic_hours
):
    """A dose discharged two days ago whose follow-up session started an hour ago."""
    dose = discharged_now(
        patient, therapist=therapist, prescriber=prescriber, admin=clinic_admin, days_ago=2
    )
    followup = dispatch.followup_open(dose_id=dose.pk)
    dispatch.followups_dispatch()
    followup.refresh_from_db()
    now = timezone.now()
    Appointment.objects.filter(pk=followup.appointment_id).update(
        start=now - timedelta(hours=4), end=now - timedelta(hours=3, minutes=10)
    )
    return followup


def test_signing_integrates_the_dose_and_the_next_dose_needs_no_override(
    held_followup, patient, therapist, prescriber, clinic_admin
):
    following = dose_ready(patient, therapist=therapist, prescriber=prescriber, admin=clinic_admin)
    assert any("not integrated" in p for p in doses.start_problems(following, prescriber))
    note = notes.note_save(by=therapist, followup=held_followup, **{**NOTE, "risk": ""})
    assert note.status == "draft"
    with pytest.raises(IntegrationError, match="risk check"):
        notes.note_sign(by=therapist, followup=held_followup, **{**NOTE, "risk": ""})
    notes.note_sign(by=therapist, followup=held_followup, **NOTE)
    note.refresh_from_db()
    held_followup.refresh_from_db()
    assert note.is_signed and len(note.signed_sha256) == 64
    assert held_followup.status == FollowUp.Status.INTEGRATED
    assert held_followup.appointment.status == Appointment.Status.COMPLETED
    assert Dose.objects.get(pk=held_followup.dose_id).status == Dose.Status.INTEGRATED
    assert doses.start_problems(following, prescriber) == []
    doses.dose_start(by=prescriber, dose=following)
    assert notes.journal_prompts(note) == [
        ("Body", "Where did you feel the warmth?"),
        ("", "What would you tell him now?"),
    ]


def test_a_signed_note_is_never_changed(held_followup, therapist):
    note = notes.note_sign(by=therapist, followup=held_followup, **NOTE)
    with pytest.raises(IntegrationError, match="never changed"):
        notes.note_save(by=therapist, followup=held_followup, how_it_went="Rewritten")
    note.how_it_went = "Rewritten"
    with pytest.raises(IntegrationError):
        note.save()
    with pytest.raises(IntegrationError):
        note.delete()
    addendum = notes.addendum_add(by=therapist, note=note, text="Patient called: slept well.")
    with pytest.raises(IntegrationError):
        addendum.save()


@pytest.mark.postgres
def test_the_database_refuses_to_rewrite_a_signed_note(held_followup, therapist):
    note = notes.note_sign(by=therapist, followup=held_followup, **NOTE)
    for sql in (
        "UPDATE integration_integrationnote SET how_it_went = 'x' WHERE id = %s",
        "DELETE FROM integration_integrationnote WHERE id = %s",
        "UPDATE integration_followup SET status = 'booked' WHERE id = %s",
    ):
        target = note.pk if "note" in sql else held_followup.pk
        with (
            pytest.raises(DatabaseError, match="never changed"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [target])


def test_only_the_author_signs_and_not_before_the_session(held_followup, therapist, prescriber):
    notes.note_save(by=therapist, followup=held_followup, **NOTE)
    with pytest.raises(IntegrationError, match="author"):
        notes.note_sign(by=prescriber, followup=held_followup, **NOTE)
    start = timezone.now() + timedelta(hours=1)
    Appointment.objects.filter(pk=held_followup.appointment_id).update(
        start=start, end=start + timedelta(minutes=50)
    )
    with pytest.raises(IntegrationError, match="not started yet"):
        notes.note_sign(by=therapist, followup=held_followup, **NOTE)


def test_elevated_risk_alerts_the_prescriber(held_followup, therapist, prescriber):
    notes.note_sign(
        by=therapist,
        followup=held_followup,
        **{**NOTE, "risk": "elevated", "risk_notes": "Active ideation."},
    )
    alert = Alert.objects.get(recipient=prescriber, kind="safety")
    assert "elevated risk" in alert.message and "ideation" not in alert.message


def test_the_initial_series_closes_once_every_dose_is_integrated(held_followup, therapist):
    course = held_followup.course
    with pytest.raises(IntegrationError, match="1 dose of this course is not integrated"):
        services.course_close_series(
            by=therapist, course=course, reason="Six doses, good response."
        )
    notes.note_sign(by=therapist, followup=held_followup, **NOTE)
    services.course_close_series(by=therapist, course=course, reason="Six doses, good response.")
    course.refresh_from_db()
    assert course.phase == phases.MAINTENANCE
    assert IntegrationNote.objects.count() == 1
