"""The enrollment gate: a course enters preparation only with an approved, current screening,
whatever the path (service call, admin, forged POST, two concurrent submits)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from patients import services
from patients.errors import PatientsError
from patients.models import TreatmentCourse
from screening import intake as screening_intake
from screening.demo import screen_candidate
from screening.models import ReviewItem, Screening
from tests.patients.factories import CareTeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(candidate, screening_policy, therapist):
    CareTeamFactory(patient=candidate, clinician=therapist, primary=True)
    return candidate.courses.get()


def enroll(course, by):
    return services.course_change_phase(
        by=by, course=course, to_phase="preparation", reason="Enroll"
    )


def phase(course):
    return TreatmentCourse.objects.get(pk=course.pk).phase


def test_no_screening_no_enrollment(course, intake):
    with pytest.raises(PatientsError, match="No screening decision"):
        enroll(course, intake)
    assert phase(course) == "screening"


def test_an_eligible_candidate_enrolls(course, intake):
    screen_candidate(course=course, by=intake)
    assert enroll(course, intake).phase == "preparation"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"history": {"psychosis_history": True}}, "excluded the candidate (psychosis)"),
        ({"bp": ((172, 96), (166, 101))}, "(hypertension_uncontrolled)"),
        ({"history": {"bipolar_disorder": True}}, "not yet reviewed every item"),
        ({"answers": {"cssrs": None}}, "incomplete"),
        ({"decide": False}, "No screening decision"),
    ],
)
def test_anything_but_approval_is_refused(course, intake, changes, message):
    screen_candidate(course=course, by=intake, **changes)
    with pytest.raises(PatientsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        enroll(course, intake)
    assert phase(course) == "screening"


def test_enrollment_needs_a_primary_therapist(candidate, screening_policy, intake):
    course = candidate.courses.get()
    screen_candidate(course=course, by=intake)
    with pytest.raises(PatientsError, match="primary therapist"):
        enroll(course, intake)
    assert phase(course) == "screening"


def test_every_review_item_cleared_opens_enrollment(course, intake, prescriber):
    screening = screen_candidate(course=course, by=intake, history={"bipolar_disorder": True})
    item = screening.decisions.get().review_items.get()
    screening_intake.review_item_decide(by=prescriber, item=item, cleared=True, reason="Stable")
    assert enroll(course, prescriber).phase == "preparation"


def test_an_item_not_cleared_keeps_the_gate_shut(course, intake, prescriber):
    screening = screen_candidate(course=course, by=intake, history={"bipolar_disorder": True})
    item = screening.decisions.get().review_items.get()
    screening_intake.review_item_decide(by=prescriber, item=item, cleared=False, reason="No")
    with pytest.raises(PatientsError, match="excluded"):
        enroll(course, prescriber)


def test_the_latest_decision_counts(course, intake):
    screen_candidate(course=course, by=intake)
    # A newer screening that excludes closes a gate an older one opened.
    screen_candidate(course=course, by=intake, history={"psychosis_history": True})
    with pytest.raises(PatientsError, match="excluded"):
        enroll(course, intake)


@pytest.mark.parametrize(("days", "allowed"), [(0, True), (90, True), (91, False), (200, False)])
def test_a_screening_is_current_for_the_rescreen_interval(course, intake, days, allowed):
    screen_candidate(course=course, by=intake)
    today = timezone.localdate() + timedelta(days=days)
    problem = screening_intake.approval_problem(course, today)
    assert (problem is None) == allowed
    if not allowed:
        assert "older than 90 days" in problem


def test_the_admin_cannot_move_a_phase(signed_in, make_user, course):
    admin = make_user("admin", is_superuser=True)
    url = reverse("admin:patients_treatmentcourse_change", args=[course.pk])
    signed_in(admin).post(url, {"phase": "preparation", "phasechange_set-TOTAL_FORMS": "0"})
    assert phase(course) == "screening"


def test_a_forged_phase_post_meets_the_wall(signed_in, intake, course):
    url = reverse("course_phase", args=[course.patient_id, course.pk])
    response = signed_in(intake).post(url, {"to_phase": "preparation", "reason": "forged"})
    assert response.status_code == 400
    assert b"No screening decision" in response.content
    assert phase(course) == "screening"


def test_a_forged_enroll_post_on_an_excluding_decision(signed_in, intake, course):
    screening = screen_candidate(course=course, by=intake, history={"psychosis_history": True})
    decision = screening.decisions.get()
    response = signed_in(intake).post(reverse("screening_enroll", args=[decision.pk]))
    assert response.status_code == 400
    assert b"excluded the candidate (psychosis)" in response.content
    assert phase(course) == "screening"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_enrollments_one_wins(
    candidate, screening_policy, intake, prescriber, therapist
):
    course = candidate.courses.get()
    CareTeamFactory(patient=candidate, clinician=therapist, primary=True)
    CareTeamFactory(patient=candidate, clinician=prescriber)
    screen_candidate(course=course, by=intake)
    barrier = threading.Barrier(2)
    results = []

    def attempt(user):
        barrier.wait()
        try:
            enroll(course, user)
            results.append("enrolled")
        except PatientsError as error:
            results.append(error.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(u,)) for u in (therapist, prescriber)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["A course cannot move from Preparation to Preparation.", "enrolled"]
    assert course.phase_changes.filter(to_phase="preparation").count() == 1


@pytest.mark.parametrize(
    ("changes", "cleared", "message"),
    [
        ({"history": {"psychosis_history": True}}, None, "excluded the candidate (psychosis)"),
        ({"history": {"bipolar_disorder": True}}, None, "not yet reviewed every item"),
        ({"history": {"bipolar_disorder": True}}, False, "excluded"),
        ({"answers": {"cssrs": None}}, None, "incomplete"),
    ],
)
def test_the_gate_reads_the_decision_not_the_derived_status(
    signed_in, course, intake, prescriber, changes, cleared, message
):
    """An ORM write that flips `Screening.status` to eligible opens nothing: the gate reads the
    decision and its review items themselves, through the service and through the Enroll
    button."""
    screening = screen_candidate(course=course, by=intake, **changes)
    decision = screening.decisions.get()
    if cleared is not None:
        item = decision.review_items.get()
        screening_intake.review_item_decide(by=prescriber, item=item, cleared=cleared, reason="R")
    Screening.objects.filter(pk=screening.pk).update(status="eligible")
    pattern = message.replace("(", r"\(").replace(")", r"\)")
    with pytest.raises(PatientsError, match=pattern):
        enroll(course, intake)
    response = signed_in(intake).post(reverse("screening_enroll", args=[decision.pk]))
    assert response.status_code == 400
    assert message.encode() in response.content
    assert phase(course) == "screening"


def test_a_review_item_taken_away_keeps_the_gate_shut(course, intake):
    """A needs-review decision whose review items vanished is not approved."""
    screening = screen_candidate(course=course, by=intake, history={"bipolar_disorder": True})
    decision = screening.decisions.get()
    ReviewItem.objects.filter(decision=decision).delete()
    Screening.objects.filter(pk=screening.pk).update(status="eligible")
    with pytest.raises(PatientsError, match="not yet reviewed every item"):
        enroll(course, intake)
