"""Intake services: facts, readings, questionnaires, decisions, reviews and safety alerts."""

import pytest
from django.db import DatabaseError, transaction

from patients.models import Alert
from screening import intake as services
from screening.demo import screen_candidate
from screening.errors import ScreeningError
from screening.models import InstrumentAdministration, Screening, ScreeningDecision
from tests.patients.factories import CareTeamFactory

pytestmark = pytest.mark.django_db

HIGH_RISK = {"q1": True, "q2": True, "q3": True, "q4": True, "q5": False, "q6": False}
MODERATE_RISK = {"q1": True, "q2": True, "q3": True, "q4": False, "q5": False, "q6": False}


@pytest.fixture
def course(candidate, screening_policy):
    return candidate.courses.get()


def test_partial_intake_is_saved_and_resumed(course, intake):
    screening = screen_candidate(course=course, by=intake, decide=False, answers={"gad7": None})
    assert screening.status == "in_progress" and screening.is_open
    # The next visit resumes the same screening: a second one cannot be opened.
    with pytest.raises(ScreeningError, match="already has a screening in progress"):
        services.screening_start(by=intake, course=course)


def test_eligible_candidate(course, intake, screening_policy):
    screening = screen_candidate(course=course, by=intake)
    decision = screening.decisions.get()
    assert (decision.outcome, decision.reasons, decision.missing) == ("eligible", [], [])
    assert decision.policy_label == screening_policy.label
    assert decision.facts["age"] >= 18 and decision.facts["bp_readings"] == [[122, 78], [118, 76]]
    assert decision.scores["phq9"] == {
        "total": 13,
        "severity": "moderate",
        "item9": 0,
        "item9_flag": False,
    }
    assert screening.status == "eligible" and not screening.is_open


def test_incomplete_keeps_the_screening_open_for_more_facts(course, intake):
    screening = screen_candidate(course=course, by=intake, bp=((130, 80),))
    assert screening.status == "incomplete"
    assert screening.decisions.get().missing == ["bp_readings"]
    services.screening_add_bp(by=intake, screening=screening, systolic=128, diastolic=82)
    decision = services.screening_decide(by=intake, screening=screening)
    assert decision.outcome == "eligible"


def test_a_decided_screening_is_final(course, intake):
    screening = screen_candidate(course=course, by=intake, history={"psychosis_history": True})
    assert screening.status == "excluded"
    with pytest.raises(ScreeningError, match="facts are final"):
        services.screening_add_bp(by=intake, screening=screening, systolic=120, diastolic=80)
    with pytest.raises(ScreeningError, match="facts are final"):
        services.screening_decide(by=intake, screening=screening)
    # New facts need a new screening.
    again = services.screening_start(by=intake, course=course)
    assert again.pk != screening.pk


def test_history_is_validated_by_the_engine(course, intake):
    screening = services.screening_start(by=intake, course=course)
    with pytest.raises(ScreeningError) as error:
        services.screening_record_history(
            by=intake, screening=screening, history={"substance_use": "sometimes"}
        )
    assert error.value.field == "substance_use"
    with pytest.raises(ScreeningError, match="Unknown history facts: age"):
        services.screening_record_history(by=intake, screening=screening, history={"age": 40})


def test_an_implausible_reading_is_refused(course, intake):
    screening = services.screening_start(by=intake, course=course)
    with pytest.raises(ScreeningError, match="diastolic below the systolic"):
        services.screening_add_bp(by=intake, screening=screening, systolic=80, diastolic=90)
    assert not screening.bp_readings.exists()


def test_questionnaire_progress_then_completion_names_the_missing_item(course, intake, prescriber):
    screening = services.screening_start(by=intake, course=course)
    partial = [1, 2, None, None, None, None, None, None, None]
    saved, _ = services.instrument_save(
        by=intake, screening=screening, code="phq9", answers=partial, complete=False
    )
    assert saved.status == "in_progress" and saved.answers == partial
    with pytest.raises(ScreeningError) as error:
        services.instrument_save(
            by=intake, screening=screening, code="phq9", answers=partial, complete=True
        )
    assert error.value.field == "phq9[2]"
    done, _ = services.instrument_save(
        by=intake, screening=screening, code="phq9", answers=[1] * 9, complete=True
    )
    assert done.pk == saved.pk and done.status == "completed" and done.score["total"] == 9


def test_cssrs_skip_logic_is_enforced(course, intake):
    screening = services.screening_start(by=intake, course=course)
    with pytest.raises(ScreeningError) as error:
        services.instrument_save(
            by=intake,
            screening=screening,
            code="cssrs",
            answers={"q1": False, "q2": True, "q6": False},
            complete=True,
        )
    assert error.value.field.startswith("cssrs.q3")


def test_a_new_administration_replaces_the_completed_one(course, intake):
    screening = services.screening_start(by=intake, course=course)
    first, _ = services.instrument_save(
        by=intake, screening=screening, code="gad7", answers=[0] * 7, complete=True
    )
    second, _ = services.instrument_save(
        by=intake, screening=screening, code="gad7", answers=[3] * 7, complete=True
    )
    first.refresh_from_db()
    assert first.status == "replaced" and first.answers == [0] * 7
    assert second.status == "completed" and second.score["total"] == 21


def test_a_completed_questionnaire_is_never_edited(course, intake):
    screening = services.screening_start(by=intake, course=course)
    done, _ = services.instrument_save(
        by=intake, screening=screening, code="gad7", answers=[0] * 7, complete=True
    )
    done.answers = [3] * 7
    with pytest.raises(ScreeningError, match="never edited"):
        done.save()


@pytest.mark.postgres
def test_postgresql_refuses_to_rewrite_a_completed_questionnaire_or_a_decision(course, intake):
    screening = screen_candidate(course=course, by=intake)
    done = screening.administrations.get(instrument="gad7")
    with pytest.raises(DatabaseError, match="never edited"), transaction.atomic():
        InstrumentAdministration.objects.filter(pk=done.pk).update(answers=[3] * 7)
    decision = screening.decisions.get()
    with pytest.raises(DatabaseError, match="never changed"), transaction.atomic():
        ScreeningDecision.objects.filter(pk=decision.pk).update(outcome="eligible")
    with pytest.raises(DatabaseError, match="never changed"), transaction.atomic():
        ScreeningDecision.objects.filter(pk=decision.pk).delete()


def test_a_decision_is_never_changed(course, intake):
    decision = screen_candidate(course=course, by=intake).decisions.get()
    decision.outcome = "excluded"
    with pytest.raises(ScreeningError, match="never changed"):
        decision.save()


# --- Review -------------------------------------------------------------------------------------


@pytest.fixture
def needs_review(course, intake):
    return screen_candidate(
        course=course,
        by=intake,
        history={"bipolar_disorder": True, "medications": ["XANAX 1 mg"]},
    )


def test_review_items_are_created_for_each_review_reason(needs_review):
    decision = needs_review.decisions.get()
    assert decision.outcome == "needs_review"
    assert sorted(i.code for i in decision.review_items.all()) == [
        "bipolar",
        "interacting_medication",
    ]
    assert needs_review.status == "awaiting_review"


def test_clearing_every_item_makes_the_candidate_eligible(needs_review, prescriber):
    items = list(needs_review.decisions.get().review_items.all())
    services.review_item_decide(by=prescriber, item=items[0], cleared=True, reason="Stable 4 years")
    needs_review.refresh_from_db()
    assert needs_review.status == "awaiting_review"
    services.review_item_decide(by=prescriber, item=items[1], cleared=True, reason="Taper agreed")
    needs_review.refresh_from_db()
    assert needs_review.status == "eligible"


def test_one_item_not_cleared_excludes(needs_review, prescriber):
    item = needs_review.decisions.get().review_items.first()
    services.review_item_decide(by=prescriber, item=item, cleared=False, reason="Recent episode")
    needs_review.refresh_from_db()
    assert needs_review.status == "excluded"


@pytest.mark.parametrize("who", ["intake", "therapist"])
def test_only_a_prescriber_reviews(request, needs_review, who):
    item = needs_review.decisions.get().review_items.first()
    with pytest.raises(ScreeningError, match="Only a prescriber"):
        services.review_item_decide(
            by=request.getfixturevalue(who), item=item, cleared=True, reason="ok"
        )


def test_a_review_needs_a_reason_and_happens_once(needs_review, prescriber):
    item = needs_review.decisions.get().review_items.first()
    with pytest.raises(ScreeningError, match="written reason"):
        services.review_item_decide(by=prescriber, item=item, cleared=True, reason="  ")
    services.review_item_decide(by=prescriber, item=item, cleared=True, reason="ok")
    with pytest.raises(ScreeningError, match="reviewed already"):
        services.review_item_decide(by=prescriber, item=item, cleared=False, reason="changed mind")


def test_exclusions_have_nothing_to_override(course, intake):
    screening = screen_candidate(
        course=course, by=intake, history={"psychosis_history": True, "bipolar_disorder": True}
    )
    decision = screening.decisions.get()
    assert decision.outcome == "excluded"
    assert {r["code"] for r in decision.reasons} == {"psychosis", "bipolar"}
    assert not decision.review_items.exists()


# --- Safety alerts ------------------------------------------------------------------------------


def test_cssrs_high_risk_alerts_the_on_call_prescriber_at_once(
    course, intake, prescriber, therapist
):
    # Even with a care team, a crisis goes to the on-call prescriber.
    CareTeamFactory(patient=course.patient, clinician=therapist, primary=True)
    screening = services.screening_start(by=intake, course=course)
    _, flags = services.instrument_save(
        by=intake, screening=screening, code="cssrs", answers=HIGH_RISK, complete=True
    )
    assert [f.level for f in flags] == ["crisis"]
    alert = Alert.objects.get(kind="safety")
    assert (alert.recipient, alert.severity, alert.patient) == (
        prescriber,
        "urgent",
        course.patient,
    )


def test_moderate_risk_alerts_the_care_team(course, intake, therapist, prescriber):
    CareTeamFactory(patient=course.patient, clinician=therapist, primary=True)
    screening = services.screening_start(by=intake, course=course)
    services.instrument_save(
        by=intake, screening=screening, code="cssrs", answers=MODERATE_RISK, complete=True
    )
    alert = Alert.objects.get(kind="safety")
    assert (alert.recipient, alert.severity) == (therapist, "warning")


def test_without_a_care_team_the_on_call_prescriber_is_alerted(course, intake, prescriber):
    screening = services.screening_start(by=intake, course=course)
    services.instrument_save(
        by=intake, screening=screening, code="phq9", answers=[0] * 8 + [1], complete=True
    )
    alert = Alert.objects.get(kind="safety")
    assert alert.recipient == prescriber and "item 9" in alert.message


def test_with_nobody_on_call_every_prescriber_is_alerted(course, intake, prescriber, make_user):
    prescriber.on_call = False
    prescriber.save()
    other = make_user("prescriber", username="pete")
    screening = services.screening_start(by=intake, course=course)
    services.instrument_save(
        by=intake, screening=screening, code="cssrs", answers=HIGH_RISK, complete=True
    )
    assert {a.recipient for a in Alert.objects.filter(kind="safety")} == {prescriber, other}


def test_a_safety_alert_nobody_may_receive_refuses_the_answers(course, intake):
    # No care team and no prescriber in the clinic: the flag would reach nobody.
    screening = services.screening_start(by=intake, course=course)
    with pytest.raises(ScreeningError, match="Nobody who may see"):
        services.instrument_save(
            by=intake, screening=screening, code="phq9", answers=[0] * 8 + [1], complete=True
        )
    assert not screening.administrations.filter(status="completed").exists()


def test_a_calm_questionnaire_raises_no_alert(course, intake, prescriber):
    screen_candidate(course=course, by=intake)
    assert not Alert.objects.exists()


def test_status_values_match_the_queue():
    assert set(Screening.Status.values) == {
        "in_progress",
        "incomplete",
        "awaiting_review",
        "eligible",
        "excluded",
    }


# --- Giving a completed questionnaire again (issue 10) -------------------------------------------


def test_progress_on_a_repeat_keeps_the_completed_one_until_the_repeat_is_completed(course, intake):
    screening = services.screening_start(by=intake, course=course)
    first, _ = services.instrument_save(
        by=intake, screening=screening, code="gad7", answers=[0] * 7, complete=True
    )
    draft, _ = services.instrument_save(
        by=intake,
        screening=screening,
        code="gad7",
        answers=[3, 3, None, None, None, None, None],
        complete=False,
    )
    first.refresh_from_db()
    assert (first.status, draft.status) == ("completed", "in_progress")
    assert draft.pk != first.pk
    # Saving again resumes the same draft; the completed one is what a decision reads meanwhile.
    again, _ = services.instrument_save(
        by=intake, screening=screening, code="gad7", answers=[3] * 6 + [None], complete=False
    )
    assert again.pk == draft.pk
    assert services._facts(screening, first.completed_at.date())["gad7"] == [0] * 7
    done, _ = services.instrument_save(
        by=intake, screening=screening, code="gad7", answers=[3] * 7, complete=True
    )
    first.refresh_from_db()
    assert done.pk == draft.pk and done.status == "completed" and first.status == "replaced"


def test_the_database_keeps_one_draft_and_one_completed_per_questionnaire(course, intake):
    from django.db import IntegrityError
    from django.utils import timezone

    screening = services.screening_start(by=intake, course=course)
    row = {
        "patient": course.patient,
        "screening": screening,
        "instrument": "gad7",
        "version": "1",
        "entered_by": intake,
    }
    InstrumentAdministration.objects.create(**row, answers=[None] * 7)
    with pytest.raises(IntegrityError), transaction.atomic():
        InstrumentAdministration.objects.create(**row, answers=[None] * 7)
    done = {"status": "completed", "score": {"total": 0}, "completed_at": timezone.now()}
    InstrumentAdministration.objects.create(**row, answers=[0] * 7, **done)
    with pytest.raises(IntegrityError), transaction.atomic():
        InstrumentAdministration.objects.create(**row, answers=[0] * 7, **done)
