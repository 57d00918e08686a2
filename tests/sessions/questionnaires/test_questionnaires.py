"""In-clinic questionnaires with the screening engine's instruments, their safety alerts, and the
"PHQ-9 and C-SSRS within 7 days" read the dose guard asks (issue 6)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from patients.models import Alert
from screening.models import InstrumentAdministration
from sessions.errors import SessionsError
from sessions.questionnaires import services as questionnaires

HIGH_RISK = {"q1": True, "q2": True, "q3": True, "q4": True, "q5": False, "q6": False}
NO_RISK = {"q1": False, "q2": False, "q3": None, "q4": None, "q5": None, "q6": False}


def give(patient, by, code, answers):
    administration, _ = questionnaires.questionnaire_save(
        by=by, patient=patient, code=code, answers=answers, complete=True
    )
    return administration


def taken(patient, by, code, when, status="completed"):
    """A completed in-clinic administration at `when` (test data, inserted as it would be)."""
    answers = [0] * 9 if code == "phq9" else NO_RISK
    return InstrumentAdministration.objects.create(
        patient=patient,
        instrument=code,
        version="1",
        answers=answers,
        score={"total": 0, "severity": "minimal", "item9": 0}
        if code == "phq9"
        else {"risk": "none", "active_ideation": False},
        status=status,
        completed_at=when,
        entered_by=by,
    )


def test_a_phq9_given_on_the_tablet_is_scored_and_kept(signed_in, therapist, patient):
    client = signed_in(therapist)
    url = reverse("questionnaire_give", args=[patient.pk, "phq9"])
    page = client.get(url)
    assert page.status_code == 200 and "btn-check" in page.content.decode()
    answers = {f"item{i}": "1" for i in range(9)} | {"item8": "0"}
    response = client.post(url, {**answers, "complete": "1"})
    assert response.status_code == 302
    administration = InstrumentAdministration.objects.get()
    assert administration.screening is None and administration.patient == patient
    assert administration.status == "completed" and administration.entered_by == therapist
    assert administration.score["total"] == 8 and administration.score["severity"] == "mild"
    assert administration.version
    listing = client.get(reverse("questionnaires", args=[patient.pk])).content.decode()
    assert "In clinic" in listing and "<strong>8</strong>" in listing
    assert not Alert.objects.exists()


def test_progress_is_saved_and_resumed(signed_in, therapist, patient):
    client = signed_in(therapist)
    url = reverse("questionnaire_give", args=[patient.pk, "gad7"])
    partial = {f"item{i}": "2" for i in range(6)}
    refused = client.post(url, {**partial, "complete": "1"})
    assert refused.status_code == 400 and "item6" in refused.context["form"].errors
    client.post(url, {**partial, "save": "1"})
    saved = InstrumentAdministration.objects.get()
    assert saved.status == "in_progress" and saved.answers == [2] * 6 + [None]
    resumed = client.get(url)
    assert resumed.context["form"].initial["item0"] == "2"
    client.post(url, {**partial, "item6": "2", "complete": "1"})
    saved.refresh_from_db()
    assert saved.status == "completed" and saved.score["total"] == 14


def test_a_new_administration_does_not_replace_the_earlier_one(therapist, patient):
    first = give(patient, therapist, "phq9", [1] * 8 + [0])
    second = give(patient, therapist, "phq9", [0] * 9)
    first.refresh_from_db()
    assert first.status == second.status == "completed"


def test_phq9_item9_alerts_the_care_team_as_at_screening(signed_in, therapist, prescriber, patient):
    client = signed_in(therapist)
    url = reverse("questionnaire_give", args=[patient.pk, "phq9"])
    answers = {f"item{i}": "0" for i in range(8)} | {"item8": "1"}
    response = client.post(url, {**answers, "complete": "1"}, follow=True)
    assert "Safety alert raised" in response.content.decode()
    alerts = Alert.objects.filter(patient=patient)
    assert {a.recipient for a in alerts} == {therapist, prescriber}
    assert all(a.kind == "safety" and a.severity == "warning" for a in alerts)
    assert all(a.message.startswith("In-clinic questionnaire: ") for a in alerts)


def test_cssrs_high_risk_shows_the_crisis_protocol_and_alerts_the_on_call_prescriber(
    signed_in, therapist, prescriber, patient
):
    client = signed_in(therapist)
    url = reverse("questionnaire_give", args=[patient.pk, "cssrs"])
    data = {"q1": "yes", "q2": "yes", "q3": "yes", "q4": "yes", "q5": "no", "q6": "no"}
    response = client.post(url, {**data, "complete": "1"}, follow=True)
    page = response.content.decode()
    assert "crisis protocol" in page and "988" in page
    assert 'data-testid="crisis-protocol"' in page
    alert = Alert.objects.get(patient=patient, severity="urgent")
    assert alert.recipient == prescriber and alert.kind == "safety"


def test_the_skip_logic_is_the_engines(therapist, patient):
    bad = {**NO_RISK, "q3": True}  # Q3 asked only when Q2 is yes
    with pytest.raises(SessionsError) as error:
        questionnaires.questionnaire_save(
            by=therapist, patient=patient, code="cssrs", answers=bad, complete=True
        )
    assert error.value.field.startswith("cssrs.q3") or error.value.field == "q3"


def test_candidates_are_screened_not_given_in_clinic_questionnaires(prescriber, candidate):
    with pytest.raises(SessionsError, match="enrolled"):
        give(candidate, prescriber, "phq9", [0] * 9)


@pytest.mark.parametrize("who", ["outside_clinician", "frontdesk"])
def test_others_cannot_give_questionnaires(request, signed_in, patient, who):
    user = request.getfixturevalue(who)
    client = signed_in(user)
    url = reverse("questionnaire_give", args=[patient.pk, "phq9"])
    assert client.get(url).status_code in (403, 404)
    assert client.post(url, {"item0": "1", "save": "1"}).status_code in (403, 404)
    with pytest.raises(SessionsError):
        give(patient, user, "phq9", [0] * 9)
    assert not InstrumentAdministration.objects.exists()


# --- recent_questionnaires_problem: the contract the dose start guard reads -----------------------


def test_both_are_missing(patient):
    assert questionnaires.recent_questionnaires_problem(patient, timezone.now()) == (
        "No PHQ-9 and no C-SSRS in the 7 days before the dose."
    )


def test_one_is_missing(therapist, patient):
    give(patient, therapist, "phq9", [0] * 9)
    give(patient, therapist, "gad7", [0] * 7)  # GAD-7 is not asked for
    assert questionnaires.recent_questionnaires_problem(patient, timezone.now()) == (
        "No C-SSRS in the 7 days before the dose."
    )


def test_both_within_seven_days(therapist, patient):
    give(patient, therapist, "phq9", [0] * 9)
    give(patient, therapist, "cssrs", NO_RISK)
    at = timezone.now() + timedelta(days=6, hours=23)
    assert questionnaires.recent_questionnaires_problem(patient, at) is None


def test_older_than_seven_days_or_after_the_start_does_not_count(therapist, patient):
    now = timezone.now()
    taken(patient, therapist, "cssrs", now - timedelta(days=1))
    taken(patient, therapist, "phq9", now - timedelta(days=7, minutes=1))
    assert questionnaires.recent_questionnaires_problem(patient, now) == (
        "No PHQ-9 in the 7 days before the dose."
    )
    taken(patient, therapist, "phq9", now - timedelta(days=6))
    assert questionnaires.recent_questionnaires_problem(patient, now) is None
    # Taken after the dose's start: not before it.
    assert questionnaires.recent_questionnaires_problem(patient, now - timedelta(days=6, hours=1))


def test_screening_administrations_count_and_replaced_ones_too(
    therapist, patient, intake, screening_policy
):
    from screening.models import Screening

    screening = Screening.objects.create(course=patient.courses.get(), started_by=intake)
    now = timezone.now()
    for code, answers in (("phq9", [0] * 9), ("cssrs", NO_RISK)):
        InstrumentAdministration.objects.create(
            patient=patient,
            screening=screening,
            instrument=code,
            version="1",
            answers=answers,
            score={"total": 0} if code == "phq9" else {"risk": "none"},
            status="replaced",
            completed_at=now - timedelta(days=1),
            entered_by=intake,
        )
    assert questionnaires.recent_questionnaires_problem(patient, now) is None


def test_one_in_progress_does_not_count(therapist, patient):
    questionnaires.questionnaire_save(
        by=therapist, patient=patient, code="phq9", answers=[0] * 9, complete=False
    )
    give(patient, therapist, "cssrs", NO_RISK)
    assert questionnaires.recent_questionnaires_problem(patient, timezone.now()) == (
        "No PHQ-9 in the 7 days before the dose."
    )
